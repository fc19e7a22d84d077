/**
 * The synths most infra test files make with the same props (none, or deletion protection off), made
 * once per run: the global setup starts test/setup/synth-shared.ts in a process of its own beside the
 * workers, and each file reads what it wrote, the same files `synthesize()` would have written and read.
 * A file run without that setup (the unit lane), or after the sources changed since (watch mode),
 * synthesizes in its own process as before.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { inject } from 'vitest';
import type { TerrakubeJobsStackProps } from '../../infra/stack';

type Json = Record<string, any>;
const ROOT = join(import.meta.dirname, '..', '..');

/** The props shared synths are made for, by name (JSON: the child process is given them as is). */
export const SHARED_PROPS = { default: {}, throwaway: { tableDeletionProtection: false } } satisfies Record<string, TerrakubeJobsStackProps>;
export type SharedName = keyof typeof SHARED_PROPS;

/** What a shared synth holds: `synthesize()`'s result but the construct tree (the stack's identity only). */
export interface SharedSynth {
  stack: { account: string; region: string; artifactId: string };
  outdir: string;
  template: Template;
  templates: { file: string; json: Json }[];
  nagViolations: string[];
}

/** What the child process writes per synth: the file names it read, the findings, the stack's identity. */
export interface SharedSynthRecord {
  stack: SharedSynth['stack'];
  outdir: string;
  files: string[];
  nagViolations: string[];
}

/** A hash of everything a synth reads from the repository: a change since the setup's synth is noticed. */
export function sourceKey(): string {
  const hash = createHash('sha256');
  for (const dir of ['infra', 'shared', 'functions']) {
    for (const file of (readdirSync(join(ROOT, dir), { recursive: true }) as string[]).sort()) {
      if (!/\.(ts|mjs|json)$/.test(file)) continue;
      hash.update(`${dir}/${file}\0`).update(readFileSync(join(ROOT, dir, file)));
    }
  }
  for (const file of ['package-lock.json', 'test/helpers/cdk.ts']) hash.update(`${file}\0`).update(readFileSync(join(ROOT, file)));
  return hash.digest('hex');
}

export interface SharedSynthSetup {
  dir: string;
  key: string;
}

/** The shared synth `name`, or an own synth with its props when this run has none for these sources. */
export async function sharedSynth(name: SharedName): Promise<SharedSynth> {
  const setup = inject('sharedSynth');
  if (!setup || setup.key !== sourceKey()) {
    const { synthesize } = await import('./cdk');
    return synthesize(SHARED_PROPS[name]);
  }
  const done = join(setup.dir, `${name}.json`);
  const failed = join(setup.dir, 'error.txt');
  // The child process synthesizes on while the first files run; three minutes is the hook timeout.
  for (const deadline = Date.now() + 170_000; !existsSync(done); ) {
    if (existsSync(failed)) throw new Error(`the shared synth failed: ${readFileSync(failed, 'utf8')}`);
    if (Date.now() > deadline) throw new Error(`the shared synth wrote no ${done}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const record = JSON.parse(readFileSync(done, 'utf8')) as SharedSynthRecord;
  const templates = record.files.map((file) => ({ file, json: JSON.parse(readFileSync(join(record.outdir, file), 'utf8')) as Json }));
  // The child's synthesize() already refused a logical id in two templates.
  const resources: Json = {};
  for (const t of templates) Object.assign(resources, t.json.Resources);
  return { stack: record.stack, outdir: record.outdir, template: Template.fromJSON({ Resources: resources }), templates, nagViolations: record.nagViolations };
}

declare module 'vitest' {
  export interface ProvidedContext {
    sharedSynth?: SharedSynthSetup;
  }
}
