/**
 * A local engine for in-process tests: the synthesized state machine run by aws-local-stepfunctions,
 * the real executor as a child process, real git and terraform, files in a temporary folder.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { LocalEngine } from '../../local/engine';
import { resetWiring, useRunControl } from '../../shared/wiring';
import { call } from './api';
import { noRuns } from './runs';
import { b64 } from './fixtures';

export interface EngineHandle {
  engine: LocalEngine;
  filesDir: string;
}

export function useEngine(timeouts = { stepSeconds: 120, approvalSeconds: 600 }): EngineHandle {
  const handle = {} as EngineHandle;
  beforeAll(async () => {
    handle.filesDir = mkdtempSync(join(tmpdir(), 'terrakube-engine-'));
    process.env.TERRAKUBE_FILES_DIR = handle.filesDir;
    process.env.TERRAKUBE_STEP_TIMEOUT_SECONDS = String(timeouts.stepSeconds);
    process.env.TERRAKUBE_APPROVAL_TIMEOUT_SECONDS = String(timeouts.approvalSeconds);
    resetWiring();
    handle.engine = await LocalEngine.create({ filesDir: handle.filesDir, timeouts, killGraceMs: 2000 });
    useRunControl(handle.engine);
  });
  afterAll(async () => {
    await handle.engine?.shutdown();
    useRunControl(noRuns);
    rmSync(handle.filesDir, { recursive: true, force: true });
  });
  return handle;
}

export const TF_CONFIG = `variable "greeting" {
  type    = string
  default = "hello"
}
resource "terraform_data" "example" {
  input = var.greeting
}
output "value" {
  value = terraform_data.example.output
}
`;

/** A git repository in a temporary folder; returns its path and HEAD. */
export function gitRepo(files: Record<string, string>): { path: string; head: string; commit: (files: Record<string, string>) => string } {
  const path = mkdtempSync(join(tmpdir(), 'terrakube-repo-'));
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.com', ...args], { cwd: path }).toString().trim();
  git('init', '-q', '-b', 'main');
  const commit = (more: Record<string, string>) => {
    for (const [name, content] of Object.entries(more)) {
      mkdirSync(dirname(join(path, name)), { recursive: true });
      writeFileSync(join(path, name), content);
    }
    git('add', '-A');
    git('commit', '-q', '-m', 'change');
    return git('rev-parse', 'HEAD');
  };
  const head = commit(files);
  return { path, head, commit };
}

type Job = { id: string; attributes: Record<string, any>; relationships: any };

export async function readJob(token: string, org: string, id: string): Promise<{ job: Job; steps: { id: string; attributes: Record<string, any> }[] }> {
  const res = await call('GET', `/api/v1/organization/${org}/job/${id}?include=step`, { token });
  expect(res.status, res.text).toBe(200);
  return { job: res.body.data, steps: (res.body.included ?? []).sort((a: any, b: any) => a.attributes.stepNumber - b.attributes.stepNumber) };
}

/** Polls the job until `done` holds (the run is asynchronous), failing with its last state after `ms`. */
export async function waitForJob(token: string, org: string, id: string, done: (job: Job) => boolean, ms = 30_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const read = await readJob(token, org, id);
    if (done(read.job)) return read;
    if (Date.now() > deadline) throw new Error(`job ${id} still ${read.job.attributes.status}: ${JSON.stringify(read.job.attributes.output)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Job attributes for a one-step customScripts flow running `text` with bash. */
export const scriptJob = (text: string) => ({ tcl: b64(`flow:\n  - type: customScripts\n    step: 1\n    commands:\n      - { script: "${text}" }\n`) });

export const ended = (job: Job) => ['completed', 'failed', 'cancelled', 'rejected'].includes(job.attributes.status);
export const hasStatus = (status: string) => (job: Job) => job.attributes.status === status;
