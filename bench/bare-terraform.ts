/**
 * The floor a plan+apply job is measured against (issue 16): the same configuration run by hand with
 * terraform alone, in a fresh directory each time — `init`, `plan -out`, `apply` of that plan — with the
 * environment the executor gives terraform (automation mode, no input, no checkpoint calls).
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { executorBaseEnvironment } from '../local/config';
import { WORK } from './env';

const run = promisify(execFile);

export interface BareRun {
  totalMs: number;
  initMs: number;
  planMs: number;
  applyMs: number;
}

export async function bareTerraform(repo: string): Promise<BareRun> {
  const dir = mkdtempSync(join(WORK, 'bare-'));
  try {
    cpSync(repo, dir, { recursive: true, filter: (path) => !path.split('/').includes('.git') });
    const env = { ...executorBaseEnvironment(), TF_IN_AUTOMATION: '1', TF_INPUT: '0', CHECKPOINT_DISABLE: '1' };
    const tf = async (...args: string[]) => {
      const started = performance.now();
      await run('terraform', args, { cwd: dir, env });
      return performance.now() - started;
    };
    const started = performance.now();
    const initMs = await tf('init', '-input=false', '-no-color');
    const planMs = await tf('plan', '-input=false', '-no-color', '-out=tfplan');
    const applyMs = await tf('apply', '-input=false', '-no-color', 'tfplan');
    return { totalMs: performance.now() - started, initMs, planMs, applyMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
