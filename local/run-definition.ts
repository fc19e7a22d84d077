/**
 * The job run definition the local engine runs, rendered by CDK from infra/state-machine.ts and cached
 * by the hash of every source it can depend on (infra/, shared/, the aws-cdk-lib version, the timeouts):
 * importing aws-cdk-lib and rendering costs 1.5–2.5 s of every `npm start` and of every test that boots one.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import type { RunTimeouts } from '../infra/run-states';

const ROOT = resolve(import.meta.dirname, '..');
const CACHE_DIR = join(ROOT, 'node_modules', '.cache', 'terrakube-jobs');
const SOURCE_DIRS = ['infra', 'shared'];

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith('.ts')).map((e) => join(e.parentPath, e.name)).sort();
}

async function definitionKey(timeouts: RunTimeouts): Promise<string> {
  const hash = createHash('sha256');
  const cdk = createRequire(import.meta.url)('aws-cdk-lib/package.json') as { version: string };
  hash.update(JSON.stringify({ cdk: cdk.version, timeouts: [timeouts.stepSeconds, timeouts.approvalSeconds] }));
  for (const dir of SOURCE_DIRS) {
    for (const file of await sourceFiles(join(ROOT, dir))) hash.update(file.slice(ROOT.length)).update(await readFile(file));
  }
  return hash.digest('hex').slice(0, 32);
}

export async function runDefinition(timeouts: RunTimeouts): Promise<Record<string, unknown>> {
  const file = join(CACHE_DIR, `run-definition-${await definitionKey(timeouts)}.json`);
  const cached = await readFile(file, 'utf8').then((text) => JSON.parse(text) as Record<string, unknown>, () => undefined);
  if (cached) return cached;
  const { renderRunDefinition } = await import('../infra/state-machine');
  const definition = renderRunDefinition(timeouts);
  // Written aside and renamed, so a process booting alongside reads a whole file or none.
  await mkdir(CACHE_DIR, { recursive: true });
  const partial = `${file}.${process.pid}.tmp`;
  await writeFile(partial, JSON.stringify(definition));
  await rename(partial, file);
  return definition;
}
