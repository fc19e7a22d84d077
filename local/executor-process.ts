/**
 * The executor as a local child process: the same program CodeBuild runs in AWS, bundled once per
 * engine start, fed the same environment (TK_CONTEXT …), cancelled by signal.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { ESBUILD_OPTIONS } from '../infra/bundling';
import type { ExecutorResult } from '../shared/runs/executor-contract';
import { executorBaseEnvironment } from './config';

const ROOT = resolve(import.meta.dirname, '..');

export async function bundleExecutor(filesDir: string): Promise<string> {
  const outfile = join(filesDir, 'bin', 'executor.mjs');
  await mkdir(join(filesDir, 'bin'), { recursive: true });
  // Built for the Node.js running `npm start` (20+), not Lambda's.
  await build({ ...ESBUILD_OPTIONS, target: 'node20', minify: false, entryPoints: [join(ROOT, 'executor', 'main.ts')], outfile, logLevel: 'error' });
  return outfile;
}

/**
 * Executors of a previous `npm start` that was killed outright: told to stop (they stop terraform), and
 * waited for, so that no step of theirs still runs when their workspaces move on; killed if they hang.
 */
export async function reapStaleExecutors(filesDir: string, graceMs = 5000): Promise<number> {
  const dir = join(filesDir, 'work', 'pids');
  const stale: number[] = [];
  for (const name of safeList(dir)) {
    const pid = Number(name);
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('executor.mjs')) {
        process.kill(pid, 'SIGTERM');
        stale.push(pid);
      }
    } catch {
      // already gone
    }
    rmSync(join(dir, name), { force: true });
  }
  const deadline = Date.now() + graceMs + 3000;
  let alive = stale;
  while ((alive = alive.filter(running)).length > 0) {
    if (Date.now() > deadline) {
      for (const pid of alive) signal(pid, 'SIGKILL');
      break;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return stale.length;
}

function running(pid: number): boolean {
  try {
    // A zombie (exited, not yet reaped by its new parent) runs nothing.
    return !/^\d+ \([^)]*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // gone
  }
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

export interface RunningExecutor {
  child: ChildProcess;
  /** Resolves with the executor's result (rejects when it produced none: a crash). */
  result: Promise<ExecutorResult>;
  /** Asks the executor to stop (it interrupts terraform, then kills it); kills the executor if it hangs. */
  cancel(): void;
}

export function startExecutor(bundle: string, env: Record<string, string>, options: { workRoot: string; graceMs: number }): RunningExecutor {
  const resultFile = join(options.workRoot, `result-${crypto.randomUUID()}.json`);
  const child = spawn(process.execPath, [bundle], {
    env: {
      ...executorBaseEnvironment(),
      ...env,
      TK_RESULT_FILE: resultFile,
      TK_WORK_ROOT: options.workRoot,
      TK_KILL_GRACE_MS: String(options.graceMs),
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr = (stderr + d).slice(-2000)));
  // Remembered on disk, so a restart after this process is killed can stop it.
  const pidDir = join(options.workRoot, 'pids');
  const pidFile = child.pid ? join(pidDir, String(child.pid)) : undefined;
  if (pidFile) {
    mkdirSync(pidDir, { recursive: true });
    writeFileSync(pidFile, '');
  }
  const exited = new Promise<number | null>((ok) => child.once('close', (code) => ok(code)));
  let killTimer: NodeJS.Timeout | undefined;
  const result = (async () => {
    const code = await exited;
    clearTimeout(killTimer);
    if (pidFile) rmSync(pidFile, { force: true });
    try {
      const parsed = JSON.parse(await readFile(resultFile, 'utf8')) as ExecutorResult;
      return parsed;
    } catch {
      throw Object.assign(new Error(`the executor ended without a result (exit ${code}): ${stderr.trim().split('\n').at(-1) ?? ''}`), { name: 'ExecutorCrashed' });
    } finally {
      await rm(resultFile, { force: true });
    }
  })();
  return {
    child,
    result,
    cancel() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGINT');
      killTimer ??= setTimeout(() => child.kill('SIGKILL'), options.graceMs + 3000);
    },
  };
}
