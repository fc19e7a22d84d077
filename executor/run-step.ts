/**
 * Runs one step of a job: checks out the workspace's source, prepares terraform (backend override,
 * init), runs the step's scripts and its terraform command, and reports a single ExecutorResult.
 * Step-level failures (checkout, terraform, scripts, timeout, cancel) never throw: they become a
 * failed result. Every child runs in a process group of its own, so a cancel, a timeout or simply
 * the end of a command takes all of its descendants down with it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { constants } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import type { Command } from '../shared/domain/flow';
import type { ResourceCounts } from '../shared/domain/records';
import type { Artifacts } from './artifacts';
import type { ExecutorContext, ExecutorResult, StateWritten, StepPhases } from '../shared/runs/executor-contract';
import { UnsafeArchive, unpackConfiguration } from './configuration';
import { maskingSink, maskSecrets, type LogSink } from './log-sink';
import { BACKEND_OVERRIDE_FILE, backendOverride, LOCK_TIMEOUT, lockingNote, parseIacVersion, type IacVersion } from './state-backend';
import { startStateProxy } from './state-proxy';
import { workloadIdentityEnv } from './workload-identity';
import { openProviderCache, type ProviderCache } from './provider-cache';
import { beforeInit, initCache, keepInit, restoreInit } from './init-cache';
import { resourceCounts, runVariablesFile, seedState, saveState, stateOutputs } from './terraform-state';
import { openJobWorkDir, type JobWorkDir } from './work-dir';
import { checkout, checkoutCache } from './checkout';
import { StepFailure } from './step-failure';
import { cachedVersionOutput } from './version-cache';
import { outputs, planChanges, type StepView } from './structured-view';
import { cachedShowJson } from './show-cache';

export interface StepIO {
  log: LogSink;
  artifacts: Artifacts;
  signal: AbortSignal;
  /** Where the step's temporary work directory is created (when there is no job directory). */
  workRoot: string;
  /**
   * The job's own directory, kept between its steps (the local engine names it after the job): the
   * checkout and `terraform init` of an earlier step are reused when they still fit. Unset: the step
   * prepares everything in a throwaway directory (CodeBuild).
   */
  jobDir?: string;
  /**
   * What follows the result (the structured view) waits for this: the executor holds it back while a
   * chained step runs, so that the view's terraform process does not compete with it.
   */
  afterResultGate?: Promise<void>;
  /** What the step before it in a chain left (executor/main.ts): its state and saved plan, read there instead of fetched again. */
  carried?: Carried;
  /** How long a stopped child gets between SIGINT and SIGKILL (default 10 s). */
  killGraceMs?: number;
  /** The executor's own environment (main.ts passes process.env): children see only INHERITED names of it. */
  environment: NodeJS.ProcessEnv;
}

/**
 * What a step hands the chained step after it: the workspace's state as terraform left it (nothing else
 * writes it while the job runs) and the plan file it saved (kept in its scratch directory until what
 * follows its result has run, which waits for the chain).
 */
export interface Carried {
  state?: Buffer;
  planFile?: string;
}

/** The step was cancelled or timed out; the reason is read from the ChildProcesses. */
class StepStopped extends Error {}

type StopReason = 'cancelled' | 'timeout';
interface RunOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Receives stdout and stderr chunks separately (in the order they arrive). */
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Work nobody waits for (the structured view after the result): at the lowest CPU priority, so it does not slow the next step. */
  background?: boolean;
}

/** What follows a step's result (its view's `terraform show`) is stopped after this long: it must never hold its process. */
const VIEW_TIMEOUT_MS = 120_000;

/** coreutils' nice, when the machine has it (the child then runs at niceness 19, every thread of it). */
const NICE = ['/usr/bin/nice', '/bin/nice'].find((path) => existsSync(path));

/** Kills a whole process group; one that already ended is fine. */
function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is gone
  }
}

/** Runs children one at a time and stops the running one on cancel or timeout. */
class ChildProcesses {
  private running?: ChildProcess;
  private reason?: StopReason;
  private graceTimer?: NodeJS.Timeout;
  private readonly timeoutTimer?: NodeJS.Timeout;
  private readonly onAbort = () => this.stop('cancelled');

  constructor(
    private readonly signal: AbortSignal,
    timeoutSeconds: number,
    private readonly killGraceMs: number,
  ) {
    if (timeoutSeconds > 0) this.timeoutTimer = setTimeout(() => this.stop('timeout'), Math.min(timeoutSeconds * 1000, 2 ** 31 - 1));
    if (signal.aborted) this.reason = 'cancelled';
    else signal.addEventListener('abort', this.onAbort, { once: true });
  }

  get stopReason(): StopReason | undefined {
    return this.reason;
  }

  /** Runs a command to its end and returns its exit code (128 + signal number when killed). */
  async run(command: string, args: string[], { cwd, env, stdout, stderr, background }: RunOptions): Promise<number> {
    if (this.reason) throw new StepStopped();
    const [file, argv] = background && NICE ? [NICE, ['-n', '19', command, ...args]] : [command, args];
    const child = spawn(file, argv, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.running = child;
    const closed = new Promise<void>((done) => child.once('close', () => done()));
    for (const [stream, output] of [[child.stdout, stdout], [child.stderr, stderr]] as const) {
      const decoder = new StringDecoder('utf8'); // a character may be split across chunks
      stream.on('data', (chunk: Buffer) => output(decoder.write(chunk)));
      stream.on('end', () => output(decoder.end()));
    }
    try {
      const code = await new Promise<number>((done, fail) => {
        child.once('error', (e: NodeJS.ErrnoException) => fail(new StepFailure(`${command} could not be started (${e.code ?? e.message})`, 127)));
        child.once('exit', (exitCode, signal) => done(exitCode ?? 128 + (signal ? constants.signals[signal] : 0)));
      });
      killGroup(child.pid, 'SIGKILL'); // whatever the command left running in the background
      // A descendant that escaped the group could hold the pipes open forever; do not wait for it.
      await Promise.race([closed, new Promise((done) => setTimeout(done, 2000).unref())]);
      if (this.reason) throw new StepStopped();
      return code;
    } finally {
      child.stdout.destroy();
      child.stderr.destroy();
      clearTimeout(this.graceTimer);
      this.running = undefined;
    }
  }

  private stop(reason: StopReason): void {
    if (this.reason) return;
    this.reason = reason;
    const pid = this.running?.pid;
    if (!pid) return;
    killGroup(pid, 'SIGINT'); // terraform stops gracefully (and releases its state lock) on SIGINT
    this.graceTimer = setTimeout(() => killGroup(pid, 'SIGKILL'), this.killGraceMs);
  }

  /** The step's own time is over (its result is out): no timeout fires any more. */
  stopTimers(): void {
    clearTimeout(this.timeoutTimer);
  }

  /** Stops what runs after `ms` (work after the result has a bound of its own); answers the function that cancels that. */
  stopAfter(ms: number): () => void {
    const timer = setTimeout(() => this.stop('timeout'), ms);
    return () => clearTimeout(timer);
  }

  dispose(): void {
    clearTimeout(this.timeoutTimer);
    clearTimeout(this.graceTimer);
    this.signal.removeEventListener('abort', this.onAbort);
    killGroup(this.running?.pid, 'SIGKILL');
  }
}

/** Variables of the executor's own environment that children may see (never its secrets). */
// Never the build's own credentials (AWS_CONTAINER_*): a step reaches the user's cloud with its workload identity or variables.
const INHERITED = /^(PATH|HOME|LANG|LC_ALL|TMPDIR|USER|SHELL|TF_PLUGIN_CACHE_DIR|TF_CLI_CONFIG_FILE|AWS_(?!CONTAINER_)\w+|SSL_\w+|(HTTPS?|NO|ALL)_PROXY)$/i;

function inheritedEnv(own: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { GIT_TERMINAL_PROMPT: '0' };
  for (const [key, value] of Object.entries(own)) if (value !== undefined && INHERITED.test(key)) env[key] = value;
  return env;
}

function stepEnv(ctx: ExecutorContext, own: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...inheritedEnv(own), TF_IN_AUTOMATION: '1', TF_INPUT: '0', CHECKPOINT_DISABLE: '1', ...ctx.env };
  for (const [key, value] of Object.entries(ctx.terraformVars)) env[`TF_VAR_${key}`] = value;
  // terraform warns on every command about a CLI config file that does not exist
  if (env.TF_CLI_CONFIG_FILE && !existsSync(env.TF_CLI_CONFIG_FILE)) delete env.TF_CLI_CONFIG_FILE;
  return env;
}

/** One step's run: the state shared by its phases. */
class StepRun {
  private readonly log: LogSink;
  private readonly children: ChildProcesses;
  private env: NodeJS.ProcessEnv;
  /** The environment the step gives terraform before anything minted for this job or step (identity, plugin cache, state proxy). */
  private readonly terraformEnv: NodeJS.ProcessEnv;
  private readonly bin: string;
  private held: string[] | undefined = [];
  private dir?: JobWorkDir;
  /** The step's scratch directory (plan file, scripts, state copies). */
  private workDir?: string;
  private readonly phases: StepPhases = {};
  private commitId?: string;
  private resources?: ResourceCounts;
  private stateWritten?: StateWritten;
  /** The outputs of the state the step left (read when saving it), for the structured view. */
  private stateOutputs?: unknown;
  /** The structured view to record once the result is out (recordView). */
  private view?: { folder: string; planFile: string | undefined; phase: 'plan' | 'apply' };
  /** A user script ran: the next step prepares the directory again, so the view cannot wait for later. */
  private scriptsRan = false;
  /** The workspace's backend state, read ahead (none when the chained step before it left it in `carried`). */
  private backendState?: Promise<Buffer>;
  /** What this step leaves for a chained step after it. */
  readonly carried: Carried = {};

  constructor(private readonly ctx: ExecutorContext, private readonly io: StepIO) {
    this.log = maskingSink(io.log, ctx.secrets);
    this.children = new ChildProcesses(io.signal, ctx.timeoutSeconds, io.killGraceMs ?? 10_000);
    this.terraformEnv = stepEnv(ctx, io.environment);
    this.env = this.terraformEnv;
    this.bin = ctx.iacType === 'tofu' ? 'tofu' : 'terraform';
  }

  /**
   * Runs the step; `result` settles as soon as the step's outcome is known, `settled` once what
   * follows it (the structured view, cleaning up the step's directory) is done too.
   */
  start(): { result: Promise<ExecutorResult>; settled: Promise<void>; carried: Carried } {
    const result = this.run();
    const settled = result.then(async () => {
      await this.io.afterResultGate;
      await this.afterResult();
    });
    return { result, settled, carried: this.carried };
  }

  /** The structured view off the job's path (its terraform process costs ~50 ms), then the directory. */
  private async afterResult(): Promise<void> {
    const unbound = this.children.stopAfter(VIEW_TIMEOUT_MS);
    try {
      if (this.view) await this.recordView(this.view, (text) => process.stderr.write(text), true);
    } finally {
      unbound();
      this.children.dispose();
      await this.dir?.release(this.io.jobDir === undefined);
    }
  }

  private async run(): Promise<ExecutorResult> {
    const ctx = this.ctx;
    let result: ExecutorResult;
    try {
      if (ctx.stepType === 'approval') throw new StepFailure('approval steps do not run in the executor');
      // Read while the step prepares its directory and checkout, which it does not depend on.
      if (ctx.stepType !== 'customScripts' && !this.io.carried?.state) this.backendState = this.io.artifacts.read(ctx.backend.get).then((held) => held ?? Buffer.alloc(0));
      this.backendState?.catch(() => undefined); // its failure surfaces where it is awaited
      const root = this.io.jobDir ?? (await mkdtemp(join(this.io.workRoot, 'terrakube-step-')));
      this.dir = await openJobWorkDir(root, ctx, this.io.jobDir !== undefined);
      this.workDir = this.dir.scratch;
      this.env = { ...this.env, ...(await workloadIdentityEnv(ctx, this.workDir)) };
      const reused = this.dir.reusable;
      if (reused) this.commitId = reused.commitId;
      const repo = reused ? this.dir.repo : await this.timed('checkout', () => (ctx.archive ? this.unpack(ctx.archive) : this.checkout()));
      const reuseNote = reused ? ', reusing the checkout and init of an earlier step of the job' : '';
      this.startLog(`${ctx.archive ? ' with the configuration uploaded by the terraform CLI' : ` at commit ${this.commitId} (${ctx.branch})`}${reuseNote}`);
      const folder = await this.enterFolder(repo);
      result = ctx.stepType === 'customScripts' ? await this.scripts(folder) : await this.terraform(folder);
    } catch (error) {
      result = this.failure(error);
    }
    // Recorded now when the directory it reads may not outlive the result (a script ran: the next step prepares it again).
    if (this.view && this.scriptsRan) {
      await this.recordView(this.view, (text) => this.write(text), false);
      this.view = undefined;
    }
    this.children.stopTimers();
    result.phases = this.phases;
    if (this.commitId) result.commitId = this.commitId;
    if (this.resources) result.resources = this.resources;
    if (this.stateWritten) result.state = this.stateWritten;
    result.message = maskSecrets(result.message, ctx.secrets).split('\n')[0]!.slice(0, 300);
    this.startLog(`: ${result.message}`); // only when the log was not started yet (e.g. checkout failed)
    this.log.write(`\n--- Step "${ctx.stepName}" ${result.status}: ${result.message} (exit ${result.exitCode})\n`);
    await this.log.flush().catch(() => undefined);
    return result;
  }

  /** Runs a phase and adds its wall-clock time to the step's split. */
  private async timed<T>(phase: keyof StepPhases, work: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await work();
    } finally {
      this.phases[phase] = Math.round(((this.phases[phase] ?? 0) + performance.now() - started) * 10) / 10;
    }
  }

  private failure(error: unknown): ExecutorResult {
    const stopped = this.children.stopReason;
    if (stopped === 'cancelled') return { status: 'failed', exitCode: 130, message: 'cancelled' };
    if (stopped === 'timeout') return { status: 'failed', exitCode: 124, message: `step timed out after ${this.ctx.timeoutSeconds}s` };
    if (error instanceof StepFailure) return { status: 'failed', exitCode: error.exitCode, message: error.message };
    const message = `executor error: ${error instanceof Error ? error.message : String(error)}`;
    this.write(`${maskSecrets(message, this.ctx.secrets)}\n`);
    return { status: 'failed', exitCode: 1, message };
  }

  /** The first log line names the step and commit; output before it (checkout) is held back. */
  private startLog(detail: string): void {
    if (!this.held) return;
    const held = this.held;
    this.held = undefined;
    this.log.write(`Step "${this.ctx.stepName}" (${this.ctx.stepType}) of job ${this.ctx.jobId}${detail}\n`);
    for (const text of held) this.log.write(text);
  }

  private write(text: string): void {
    if (this.held) this.held.push(text);
    else this.log.write(text);
  }

  /** Runs a command with a `$ …` header line and its output in the log (`observe` also sees its stdout). */
  private async exec(args: string[], cwd: string, env = this.env, label = args.join(' '), observe?: (text: string) => void): Promise<number> {
    this.write(`$ ${label}\n`);
    // Masked per stream: a secret split across two stdout chunks may have stderr output in between.
    const target: LogSink = { write: (text) => this.write(text), flush: async () => undefined, close: async () => undefined };
    const [stdout, stderr] = [maskingSink(target, this.ctx.secrets), maskingSink(target, this.ctx.secrets)];
    try {
      return await this.children.run(args[0]!, args.slice(1), {
        cwd,
        env,
        stdout: (t) => {
          observe?.(t);
          stdout.write(t);
        },
        stderr: (t) => stderr.write(t),
      });
    } finally {
      await Promise.all([stdout.flush(), stderr.flush()]);
    }
  }

  /** A CLI run's uploaded configuration, unpacked where a checkout would be. */
  private async unpack(archive: string): Promise<string> {
    const file = join(this.workDir!, 'configuration.tar.gz');
    const repo = this.dir!.repo;
    if (!(await this.io.artifacts.download(archive, file))) throw new StepFailure('the uploaded configuration no longer exists; run terraform again');
    await mkdir(repo, { mode: 0o700 });
    try {
      const { entries, bytes } = await unpackConfiguration(file, repo);
      this.write(`Unpacked the uploaded configuration: ${entries} entries, ${bytes} bytes\n`);
    } catch (error) {
      if (error instanceof UnsafeArchive) throw new StepFailure(error.message);
      throw error;
    }
    await rm(file, { force: true });
    return repo;
  }

  private async checkout(): Promise<string> {
    const env = inheritedEnv(this.io.environment);
    const { commitId } = await checkout(this.ctx, this.dir!, {
      exec: (args, cwd, label) => this.exec(args, cwd, env, label),
      capture: async (args, cwd) => {
        let stdout = '';
        const code = await this.children.run(args[0]!, args.slice(1), { cwd, env, stdout: (text) => (stdout += text), stderr: (text) => this.write(text) });
        return { code, stdout };
      },
      write: (text) => this.write(text),
    }, this.io.jobDir ? checkoutCache(this.io.workRoot) : undefined);
    this.commitId = commitId;
    return this.dir!.repo;
  }

  /** The step's folder inside the checkout; never outside it, also not through a symlink. */
  private async enterFolder(repo: string): Promise<string> {
    const folder = this.ctx.folder || '/';
    const root = await realpath(repo);
    const inside = (path: string) => path === root || path.startsWith(root + sep);
    const lexical = resolve(root, `.${sep}${folder.replace(/^\/+/, '')}`);
    if (!inside(lexical)) throw new StepFailure(`folder '${folder}' is outside the repository`);
    let target: string;
    try {
      target = await realpath(lexical);
    } catch {
      throw new StepFailure(`folder '${folder}' does not exist in the repository`);
    }
    if (!inside(target)) throw new StepFailure(`folder '${folder}' is outside the repository`);
    if (!(await stat(target)).isDirectory()) throw new StepFailure(`folder '${folder}' is not a directory`);
    return target;
  }

  /** Runs commands in order; the first failing one fails the step. */
  private async runCommands(commands: Command[], folder: string, when: string): Promise<void> {
    if (commands.length === 0) return;
    // A script may change the checkout or .terraform: the next step of the job prepares its own.
    await this.dir?.invalidate();
    this.scriptsRan = true;
    await this.timed('scripts', async () => {
      for (const [index, command] of commands.entries()) {
        const name = `${when}-${index + 1}.sh`;
        const file = join(this.workDir!, name);
        await writeFile(file, command.script, { mode: 0o600 });
        const code = await this.exec(['bash', '-e', '-o', 'pipefail', file], folder, this.env, `bash -e -o pipefail ${name}`);
        if (code !== 0) throw new StepFailure(`script failed (exit ${code})`, code);
      }
    });
  }

  private async scripts(folder: string): Promise<ExecutorResult> {
    await this.runCommands(this.ctx.commands, folder, 'script');
    return { status: 'completed', exitCode: 0, message: 'scripts completed' };
  }

  /** The binary's own version output (`<bin> version`), which decides the backend's arguments. */
  private async iacVersionText(folder: string): Promise<string> {
    return cachedVersionOutput(this.bin, this.env, async () => {
      let out = '';
      const code = await this.children.run(this.bin, ['version'], { cwd: folder, env: this.env, stdout: (t) => (out += t), stderr: () => undefined });
      if (code !== 0) throw new StepFailure(`${this.bin} version failed (exit ${code})`, code);
      return out;
    });
  }

  private async terraform(folder: string): Promise<ExecutorResult> {
    const { ctx, bin } = this;
    let summary = '';
    const tf = async (args: string[], main = false) => {
      const observe = main ? (text: string) => (summary = (summary + text).slice(-16_384)) : undefined;
      const code = await this.exec([bin, ...args], folder, this.env, [bin, ...args].join(' '), observe);
      if (code !== 0 && !(args[0] === 'plan' && code === 2)) throw new StepFailure(`${bin} ${args[0]} failed (exit ${code})`, code);
      return code;
    };
    const reused = this.dir!.reusable;
    const versionText = reused?.version ?? (await this.timed('init', () => this.iacVersionText(folder)));
    const version: IacVersion | undefined = parseIacVersion(versionText);
    this.write(`${lockingNote(version)}\n`);
    // A reused directory has it already (a script that could have removed it makes the step prepare again).
    if (!reused) await writeFile(join(folder, BACKEND_OVERRIDE_FILE), backendOverride());
    const tfvars = runVariablesFile(ctx.runVariables ?? []);
    const tfvarsFile = join(folder, 'zz_terrakube_run.auto.tfvars');
    if (tfvars) await writeFile(tfvarsFile, tfvars);
    else await rm(tfvarsFile, { force: true });
    const shared = !reused && this.io.jobDir && this.commitId && !ctx.archive ? initCache(this.io.workRoot) : undefined;
    const before = shared
      ? await beforeInit(
          { source: ctx.source, commitId: this.commitId!, folder: ctx.folder, bin, versionText, written: { [BACKEND_OVERRIDE_FILE]: backendOverride(), tfvars }, env: this.terraformEnv },
          folder,
        )
      : undefined;
    const backendRef = ctx.backend;
    const seeded = await seedState(this.io.artifacts, ctx.stateIn, backendRef, this.io.carried?.state ?? (await this.backendState));
    if (seeded.reason) this.write(`The workspace's state was changed outside a run (${seeded.reason}); starting from its current state version.\n`);
    const restored = shared && before ? await this.timed('init', () => restoreInit(shared, before, folder, seeded.backend)) : false;
    // Under the job's directory, not the step's: init links the providers it installs from there.
    const cache =
      ctx.providerCache && !reused && !restored ? await openProviderCache(this.io.artifacts, ctx.providerCache, this.dir!.root, (line) => this.write(`${line}\n`)) : undefined;
    if (cache) this.env = { ...this.env, ...cache.env };
    const proxy = await startStateProxy(this.io.artifacts, ctx.backend, seeded.backend);
    this.env = { ...this.env, ...proxy.env };
    try {
      const init = { restored, keep: shared && before ? () => keepInit(shared, before, folder) : undefined };
      return await this.terraformCommands(folder, tf, () => summary, cache, versionText, init);
    } finally {
      await proxy.close();
      // A chained step starts from it unless a write's outcome is unknown (then it reads the store).
      if (proxy.certain()) this.carried.state = proxy.current();
      if (ctx.stateOut) {
        const saved = await this.timed('state', () =>
          this.stateLeft(proxy, backendRef).then((after) => saveState(this.io.artifacts, after, ctx.stateIn?.md5, ctx.stateOut!)).catch((error: Error) => {
            this.write(`Saving the new state version failed: ${error.message}\n`);
            return undefined;
          }),
        );
        this.stateWritten = saved?.written;
        // Even when saving failed, the view lists the outputs of the state terraform left.
        this.stateOutputs = saved?.outputs ?? stateOutputs(proxy.current());
      }
    }
  }

  private async terraformCommands(
    folder: string,
    tf: (args: string[], main?: boolean) => Promise<number>,
    summary: () => string,
    cache: ProviderCache | undefined,
    versionText: string,
    init: { restored: boolean; keep: (() => Promise<string | undefined>) | undefined },
  ): Promise<ExecutorResult> {
    const { ctx } = this;
    if (!this.dir!.reusable) {
      if (init.restored) this.write(`Init: .terraform copied from the executor's init cache (an earlier job's init of commit ${this.commitId} in the same folder, with the same ${this.bin} version and environment).\n`);
      else
        await this.timed('init', async () => {
          await tf(['init', '-input=false', '-no-color']);
          const saved = await cache?.save();
          if (saved) this.write(`${saved}\n`);
          // Before any script of the step can change it.
          const kept = await init.keep?.();
          if (kept) this.write(`${kept}\n`);
        });
      await this.dir!.prepared({ commitId: this.commitId, version: versionText, folder: ctx.folder });
    }
    await this.runCommands(ctx.commands.filter((c) => c.before), folder, 'before');

    // A lock still held by a step that is stopping (or by hand) is waited for, not failed on at once.
    const common = ['-input=false', '-no-color', `-lock-timeout=${LOCK_TIMEOUT}`];
    const refresh = [...(ctx.refresh ? [] : ['-refresh=false']), ...(ctx.refreshOnly ? ['-refresh-only'] : [])];
    // Arguments, never a shell: the addresses were validated as terraform resource addresses.
    const targets = (ctx.targetAddrs ?? []).map((a) => `-target=${a}`);
    const replaces = (ctx.replaceAddrs ?? []).map((a) => `-replace=${a}`);
    const planFile = join(this.workDir!, 'terrakube.tfplan');
    let result: ExecutorResult;
    try {
      if (ctx.stepType === 'terraformPlan' || ctx.stepType === 'terraformPlanDestroy') {
        const destroy = ctx.stepType === 'terraformPlanDestroy' ? ['-destroy'] : [];
        const code = await this.timed('plan', () =>
          tf(['plan', ...common, '-detailed-exitcode', `-out=${planFile}`, ...destroy, ...refresh, ...targets, ...(destroy.length ? [] : replaces)], true),
        );
        result = { status: 'completed', exitCode: code, planChanges: code === 2, message: code === 2 ? 'plan found changes' : 'plan found no changes' };
        this.view = { folder, planFile, phase: 'plan' };
      } else if (ctx.stepType === 'terraformApply') {
        const havePlan = ctx.planIn ? await this.planFrom(ctx.planIn, planFile) : false;
        if (ctx.planIn && !havePlan) this.write('The saved plan was not found; applying without it.\n');
        await this.timed('apply', () => tf(havePlan ? ['apply', ...common, planFile] : ['apply', ...common, '-auto-approve', ...refresh, ...targets, ...replaces], true));
        result = { status: 'completed', exitCode: 0, message: 'apply complete' };
        this.view = { folder, planFile: havePlan ? planFile : undefined, phase: 'apply' };
      } else {
        await this.timed('destroy', () => tf(['destroy', ...common, '-auto-approve', ...(ctx.refresh ? [] : ['-refresh=false']), ...targets], true));
        result = { status: 'completed', exitCode: 0, message: 'destroy complete' };
      }
    } finally {
      this.resources = resourceCounts(summary());
    }

    await this.runCommands(ctx.commands.filter((c) => c.after), folder, 'after');
    if (result.planChanges !== undefined && ctx.planOut) {
      await this.io.artifacts.upload(planFile, ctx.planOut).catch((error: Error) => {
        this.write(`Saving the plan failed: ${error.message}\n`);
        throw new StepFailure('the plan file could not be saved');
      });
      this.carried.planFile = planFile;
    }
    return result;
  }

  /** The state the step left: as the proxy last stored it, or read back when a write's outcome is unknown. */
  private async stateLeft(proxy: { certain(): boolean; current(): Buffer }, backend: NonNullable<ExecutorContext['backend']>): Promise<Buffer> {
    return proxy.certain() ? proxy.current() : ((await this.io.artifacts.read(backend.get)) ?? Buffer.alloc(0));
  }

  /** The saved plan: the file the chained plan step left when there is one, else downloaded. */
  private async planFrom(ref: string, planFile: string): Promise<boolean> {
    const local = this.io.carried?.planFile;
    if (local && (await copyFile(local, planFile).then(() => true, () => false))) return true;
    return this.io.artifacts.download(ref, planFile);
  }

  /**
   * The step's structured view for the UI (executor/structured-view.ts), recorded after its result:
   * the changes of the saved plan (`show -json`, run once per plan: the apply of the same plan reuses
   * it from the job's directory) and, after an apply, the outputs of the state it saved. Failing to
   * record it costs only the view (`note` says why).
   */
  private async recordView(view: NonNullable<StepRun['view']>, note: (text: string) => void, background: boolean): Promise<void> {
    const ref = this.ctx.viewOut;
    if (!ref) return;
    const { folder, planFile, phase } = view;
    const capture = async (args: string[]) => {
      let out = '';
      const code = await this.children.run(this.bin, args, { cwd: folder, env: this.env, stdout: (t) => (out += t), stderr: () => undefined, background });
      if (code !== 0) throw new Error(`${this.bin} ${args[0]} exited with ${code}`);
      return out;
    };
    try {
      const recorded: StepView = {};
      const cacheDir = this.io.jobDir ? join(this.dir!.root, 'views') : undefined;
      if (planFile) {
        const show = await cachedShowJson(planFile, cacheDir, () => capture(['show', '-json', planFile]));
        recorded[phase] = planChanges(show, this.ctx.secrets, phase === 'plan' ? 'planned' : 'applied');
      }
      if (phase === 'apply') {
        const stateOutputs = this.stateOutputs === undefined ? await capture(['output', '-json']) : JSON.stringify(this.stateOutputs);
        recorded.outputs = outputs(stateOutputs, this.ctx.secrets);
      }
      const file = join(this.workDir!, 'view.json');
      await writeFile(file, JSON.stringify(recorded), { mode: 0o600 });
      await this.io.artifacts.upload(file, ref);
    } catch (error) {
      note(`Recording the structured view failed: ${maskSecrets((error as Error).message, this.ctx.secrets)}\n`);
    }
  }
}

/** Starts a step: its result, and when everything after it (the structured view, clean-up) is done. */
export function startStep(ctx: ExecutorContext, io: StepIO): { result: Promise<ExecutorResult>; settled: Promise<void>; carried: Carried } {
  return new StepRun(ctx, io).start();
}

/** Runs a step to its very end (the view recorded, the directory cleaned) and answers its result. */
export async function runStep(ctx: ExecutorContext, io: StepIO): Promise<ExecutorResult> {
  const { result, settled } = startStep(ctx, io);
  await settled;
  return result;
}
