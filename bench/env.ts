/**
 * The bench's own world: a DynamoDB Local in memory, the table, the environment every handler reads,
 * and a registry of everything started, so that a normal end, an error and Ctrl-C all stop java,
 * child servers and the local engine's executors.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { localAwsEnvironment } from '../local/config';
import { startDynamoDbLocal, type DynamoDbLocal } from '../local/dynamodb-local';
import { ensureTable } from '../shared/store/ensure-table';
import type { RunControl } from '../shared/ports/run-control';
import { useRunControl } from '../shared/wiring';
import { installLocalAdapters } from '../shared/wiring-local';

export const ROOT = resolve(import.meta.dirname, '..');
export const WORK = join(ROOT, 'bench', '.work');

type Stop = () => Promise<void> | void;
const stops: { name: string; stop: Stop }[] = [];
/** Synchronous last resort for process 'exit' (no awaiting possible there). */
const killers = new Map<string, () => void>();

export function onCleanup(name: string, stop: Stop, killNow?: () => void): void {
  stops.push({ name, stop });
  if (killNow) killers.set(name, killNow);
}

export function forget(name: string): void {
  const i = stops.findIndex((s) => s.name === name);
  if (i >= 0) stops.splice(i, 1);
  killers.delete(name);
}

let cleaning: Promise<void> | undefined;
export function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    for (const { name, stop } of stops.reverse()) {
      try {
        await stop();
      } catch (error) {
        process.stderr.write(`cleanup of ${name} failed: ${(error as Error).message}\n`);
      }
      killers.delete(name);
    }
    stops.length = 0;
  })();
  return cleaning;
}

let signalled = false;
/** A signal stopped the run (whatever fails after it is a consequence, not a finding). */
export const interrupted = () => signalled;

/** Ctrl-C / SIGTERM stop everything before exiting; 'exit' kills whatever is still alive. */
export function installSignalHandlers(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      signalled = true;
      process.stderr.write(`\n${signal}: stopping DynamoDB Local, servers and runs …\n`);
      const hard = setTimeout(() => process.exit(130), 10_000);
      hard.unref();
      void cleanup().finally(() => process.exit(130));
    });
  }
  process.on('exit', () => {
    for (const kill of killers.values()) {
      try {
        kill();
      } catch {
        // already gone
      }
    }
  });
}

/** Starts nothing: as in AWS, where starting a run is a Step Functions call, not part of the API's work. */
export const noRuns: RunControl = { start: async () => undefined, stop: async () => undefined, resume: async () => 'expired' };

export interface BenchEnv {
  ddb: DynamoDbLocal;
  tableName: string;
  patSecret: string;
  filesDir: string;
}

/** Starts DynamoDB Local (in memory), sets the environment the handlers read, creates the table. */
export async function setUpEnvironment(): Promise<BenchEnv> {
  mkdirSync(WORK, { recursive: true });
  const filesDir = join(WORK, 'files');
  rmSync(filesDir, { recursive: true, force: true });
  mkdirSync(filesDir, { recursive: true });
  localAwsEnvironment();
  const patSecret = randomBytes(48).toString('base64url');
  const tableName = 'bench_jobs';
  // The pid file lets a later run stop a java process orphaned by a killed bench.
  const pidFile = join(WORK, 'dynamodb.pid');
  const ddb = await startDynamoDbLocal({ pidFile });
  onCleanup('DynamoDB Local', () => ddb.stop(), () => {
    if (existsSync(pidFile)) process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
  });
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint,
    TABLE_NAME: tableName,
    TERRAKUBE_PAT_SECRET: patSecret,
    TERRAKUBE_FILES_DIR: filesDir,
    TERRAKUBE_MODE: 'local',
    TERRAKUBE_ADMIN_GROUP: 'TERRAKUBE_ADMIN',
    LOG_LEVEL: 'error',
  });
  installLocalAdapters();
  await ensureTable(tableName);
  // Runs start only while a phase runs the engine (runs.ts).
  useRunControl(noRuns);
  return { ddb, tableName, patSecret, filesDir };
}
