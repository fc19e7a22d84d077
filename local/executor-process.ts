/**
 * The executor as local child processes: the same program CodeBuild runs in AWS, bundled once per
 * engine start, fed the same variables (TK_CONTEXT …), cancelled by signal. Processes are started
 * ahead of need and kept warm (issue 16): a step goes to an idle one over its IPC channel, so no step
 * waits for Node to boot and load the executor; a process that ran a step takes the next one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { ESBUILD_OPTIONS } from '../infra/bundling';
import type { ExecutorResult } from '../shared/runs/executor-contract';
import type { WorkerReply, WorkerRequest } from '../executor/worker-protocol';
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
  /** Resolves once the step has been handed to a running process (the step is running from then on). */
  handed: Promise<void>;
  /** Resolves with the executor's result (rejects when it produced none: a crash). */
  result: Promise<ExecutorResult>;
  /** Settles once the process is done with the step altogether (its structured view recorded after the result), or gone. */
  settled: Promise<void>;
  /** The run recorded the result: the process may go on with what follows it (the structured view). */
  proceed(): void;
  /** Asks the executor to stop (it interrupts terraform, then kills it); kills the executor if it hangs. */
  cancel(): void;
}

export interface PoolOptions {
  workRoot: string;
  graceMs: number;
  /** Idle processes kept ready (default 2). */
  warm?: number;
  /** A process is retired after this many steps (default 200): whatever a step left in its memory goes with it. */
  stepsPerProcess?: number;
}

const crashed = (message: string) => Object.assign(new Error(message), { name: 'ExecutorCrashed' });

/** One executor process, idle or running a step. */
class Worker {
  readonly child: ChildProcess;
  readonly ready: Promise<boolean>;
  /** Booted and waiting for steps (what `ready` resolved to, once it did). */
  booted = false;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  steps = 0;
  private stderr = '';
  private pending?: { resolve: (r: ExecutorResult) => void; reject: (e: Error) => void; boundary?: (r: ExecutorResult) => void };
  private freed?: () => void;
  private pidFile?: string;

  constructor(bundle: string, options: PoolOptions) {
    this.child = spawn(process.execPath, [bundle], {
      env: { ...executorBaseEnvironment(), TK_EXECUTOR_WORKER: '1', TK_WORK_ROOT: options.workRoot, TK_KILL_GRACE_MS: String(options.graceMs) },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    this.child.stderr?.on('data', (d) => (this.stderr = (this.stderr + d).slice(-2000)));
    // Remembered on disk, so a restart after this process is killed can stop it.
    if (this.child.pid) {
      const pidDir = join(options.workRoot, 'pids');
      mkdirSync(pidDir, { recursive: true });
      this.pidFile = join(pidDir, String(this.child.pid));
      writeFileSync(this.pidFile, '');
    }
    this.exited = new Promise((ok) =>
      this.child.once('close', (code, signal) => {
        if (this.pidFile) rmSync(this.pidFile, { force: true });
        ok({ code, signal });
      }),
    );
    this.ready = new Promise<boolean>((ok) => {
      this.child.on('message', (reply: WorkerReply) => {
        if (reply.type === 'ready') {
          this.booted = true;
          ok(true);
        }
        else if (reply.type === 'result') this.settle((p) => p.resolve(reply.result));
        else if (reply.type === 'free') this.free();
        else if (reply.type === 'boundary') this.pending?.boundary?.(reply.result);
        else if (reply.type === 'failed') this.settle((p) => p.reject(crashed(`the executor ended without a result: ${reply.message}`)));
      });
      void this.exited.then(({ code, signal }) => {
        ok(false);
        this.free();
        const last = this.stderr.trim().split('\n').at(-1) ?? '';
        this.settle((p) => p.reject(crashed(`the executor ended without a result (exit ${code ?? signal}): ${last}`)));
      });
    });
    this.child.once('error', () => undefined); // a failed spawn ends in 'close' too
  }

  /** Why a process that exited before it was ready did. */
  async failure(): Promise<string> {
    const { code, signal } = await this.exited;
    return `exit ${code ?? signal}: ${this.stderr.trim().split('\n').at(-1) ?? ''}`;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null && this.child.connected;
  }

  /** Runs a step: its result, and `free` once the process may take the next one. */
  run(env: Record<string, string>, boundary?: (r: ExecutorResult) => void): { result: Promise<ExecutorResult>; free: Promise<void> } {
    this.steps++;
    this.stderr = '';
    const result = new Promise<ExecutorResult>((resolve, reject) => (this.pending = { resolve, reject, ...(boundary ? { boundary } : {}) }));
    const free = new Promise<void>((done) => (this.freed = done));
    const request: WorkerRequest = { type: 'run', env: { ...executorBaseEnvironment(), ...env } };
    try {
      this.child.send(request);
    } catch {
      // the channel closed: 'close' rejects the step
    }
    return { result, free };
  }

  private free(): void {
    const freed = this.freed;
    this.freed = undefined;
    freed?.();
  }

  signal(name: NodeJS.Signals): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(name);
  }

  proceed(step?: string): void {
    if (!this.alive) return;
    try {
      this.child.send({ type: 'proceed', ...(step ? { step } : {}) } satisfies WorkerRequest);
    } catch {
      // gone: nothing follows
    }
  }

  retire(): void {
    if (!this.alive) return;
    try {
      this.child.send({ type: 'exit' } satisfies WorkerRequest);
    } catch {
      this.signal('SIGTERM');
    }
  }

  private settle(how: (p: NonNullable<Worker['pending']>) => void): void {
    const pending = this.pending;
    this.pending = undefined;
    if (pending) how(pending);
  }
}

export class ExecutorPool {
  private readonly idle: Worker[] = [];
  private readonly all = new Set<Worker>();
  private closed = false;

  constructor(private readonly bundle: string, private readonly options: PoolOptions) {}

  /** Starts the idle processes; resolves once they are ready (or failed: a step then gets a new one). */
  async warmUp(): Promise<void> {
    while (!this.closed && this.idle.length < (this.options.warm ?? 2)) this.idle.push(this.spawn());
    await Promise.all(this.idle.map((w) => w.ready));
  }

  /** Whether a step handed over now goes to a process already booted and waiting (no spawn, no boot in between). */
  takesAtOnce(): boolean {
    return !this.closed && this.idle.some((w) => w.alive && w.booted);
  }

  /**
   * Hands a step to an idle process (one still booting counts: it gets the step once it is ready).
   * `boundary` hears the first step's result when the process goes on with a chained step (TK_NEXT_*).
   */
  start(env: Record<string, string>, boundary?: (result: ExecutorResult) => void): RunningExecutor {
    // A booted process first (the step is then running at once), else one still booting, else a new one.
    const pick = [(w: Worker) => w.alive && w.booted, (w: Worker) => w.alive].map((fits) => this.idle.findIndex(fits)).find((i) => i >= 0);
    const chosen = pick === undefined ? this.spawn() : (this.idle.splice(pick, 1)[0] as Worker);
    // Refilled a little later, not now: a boot competing with this step's own work would slow it down.
    if (this.idle.length === 0) setTimeout(() => void this.warmUp(), 1000).unref();
    let cancelled = false;
    let killTimer: NodeJS.Timeout | undefined;
    const handed = chosen.ready.then((ok) => {
      if (!ok) throw crashed('the executor process could not be started');
    });
    handed.catch(() => undefined);
    let free: Promise<void> = Promise.resolve();
    const result = (async (): Promise<ExecutorResult> => {
      try {
        const ok = await chosen.ready;
        if (cancelled) return { status: 'failed', exitCode: 130, message: 'cancelled' };
        if (!ok) throw crashed(`the executor ended without a result (${await chosen.failure()})`);
        const running = chosen.run(env, boundary);
        free = running.free;
        return await running.result;
      } finally {
        clearTimeout(killTimer);
      }
    })();
    // Back in the pool once done with the step altogether, not at its result: the view follows it.
    const settled = result.then(
      () => free,
      () => free,
    ).then(() => this.release(chosen, cancelled));
    return {
      handed,
      result,
      settled,
      proceed: () => chosen.proceed(env.TK_STEP),
      cancel: () => {
        if (cancelled) return;
        cancelled = true;
        chosen.signal('SIGINT');
        killTimer = setTimeout(() => chosen.signal('SIGKILL'), this.options.graceMs + 3000);
      },
    };
  }

  /** Stops every process: idle ones exit, running ones stop their step first (SIGTERM), hung ones are killed. */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.all];
    for (const w of all) w.signal('SIGTERM');
    const timer = setTimeout(() => all.forEach((w) => w.signal('SIGKILL')), this.options.graceMs + 3000);
    await Promise.all(all.map((w) => w.exited));
    clearTimeout(timer);
  }

  private spawn(): Worker {
    const worker = new Worker(this.bundle, this.options);
    this.all.add(worker);
    void worker.exited.then(() => {
      this.all.delete(worker);
      const i = this.idle.indexOf(worker);
      if (i >= 0) this.idle.splice(i, 1);
    });
    return worker;
  }

  private release(worker: Worker, stopped: boolean): void {
    const reusable = !stopped && !this.closed && worker.alive && worker.steps < (this.options.stepsPerProcess ?? 200);
    if (reusable && this.idle.length < (this.options.warm ?? 2)) this.idle.push(worker);
    else if (worker.alive) worker.retire();
  }
}
