/**
 * One DynamoDB Local (in memory) for the whole run; each test file uses its own table in it. Beside
 * it, the infra files' shared synths (test/helpers/shared-synth.ts), started in a process of their own
 * so that the workers run the first files meanwhile.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../local/dynamodb-local';
import { SHARED_PROPS, sourceKey, type SharedSynthRecord } from '../helpers/shared-synth';

let ddb: DynamoDbLocal | undefined;
let synthDir = '';
let synth: ChildProcess | undefined;

export async function setup(project: TestProject): Promise<void> {
  synthDir = mkdtempSync(join(tmpdir(), 'shared-synth-'));
  const tsx = createRequire(import.meta.url).resolve('tsx/cli');
  synth = spawn(process.execPath, [tsx, join(import.meta.dirname, 'synth-shared.ts'), synthDir, JSON.stringify(SHARED_PROPS)], { stdio: 'ignore' });
  project.provide('sharedSynth', { dir: synthDir, key: sourceKey() });
  ddb = await startDynamoDbLocal();
  project.provide('dynamoDbEndpoint', ddb.endpoint);
}

export async function teardown(): Promise<void> {
  if (synth && synth.exitCode === null) {
    synth.kill('SIGTERM');
    await new Promise((r) => synth?.once('exit', r));
  }
  if (synthDir) {
    for (const file of readdirSync(synthDir).filter((f) => f.endsWith('.json'))) {
      rmSync((JSON.parse(readFileSync(join(synthDir, file), 'utf8')) as SharedSynthRecord).outdir, { recursive: true, force: true });
    }
    rmSync(synthDir, { recursive: true, force: true });
  }
  await ddb?.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoDbEndpoint: string;
  }
}
