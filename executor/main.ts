/**
 * The executor's command line (locally a warm process of the engine's pool, in AWS the CodeBuild
 * build). Environment of one step:
 *   TK_CONTEXT          URL of the step context (JSON; deleted as soon as it is read: it holds secrets)
 *   TK_CONTEXT_DISPOSE  URL that deletes the context's version for good
 *   TK_RESULT_FILE      where to write the ExecutorResult as JSON
 *   TK_RESULT_ENV       where to write the result as shell `KEY='value'` lines (CodeBuild exports them)
 *   TK_WORK_ROOT        where the step's work directory is created (default: the OS temp dir)
 *   TK_JOB_DIR          the job's own directory, kept between its steps (checkout and init are reused)
 *   TK_KILL_GRACE_MS    time between SIGINT and SIGKILL for a stopped child (default 10000)
 *   TK_STOP_POLL_MS     how often the step context's stop request is looked for (default 3000)
 *   TK_LOG_INTERVAL_MS  how often the step log object is rewritten while the step runs (default 5000)
 *   TK_PIN_COMMIT       the commit to check out when the context pins none (a chained apply: its plan's)
 * Exits 0 whenever it produced a result (the step's own outcome is in the result); 1 when the
 * executor itself failed.
 * Every ref of the context is a URL minted for this step (issue 20): the executor holds no storage
 * credentials and reaches nothing but its step's objects.
 *
 * Started with an IPC channel and TK_EXECUTOR_WORKER=1 (local/executor-process.ts), it is a warm
 * worker instead: it boots once, then runs the steps it is sent one after the other (each message
 * carries the step's variables above), answers each with its result, and stops the running step on
 * SIGINT or SIGTERM (then exits) or when its parent goes away.
 *
 * A step may come with a chained step (TK_NEXT_STEP, TK_NEXT_CONTEXT, TK_NEXT_CONTEXT_DISPOSE,
 * TK_NEXT_WITHIN_MS; empty values mean none): the apply that follows a plan with no approval between
 * them. When the plan completes with changes, the executor goes straight on with the apply in the same
 * process and directory: a worker first reports the plan's result (a 'boundary' message) and replies
 * with the apply's; a build exports both, the plan's as TK_BOUNDARY (written as soon as the plan ends,
 * with the apply provisionally failed, so a build whose executor dies mid-apply still reports the
 * plan). Otherwise the chained step's context is deleted unread and the plan's result is the answer.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { urlArtifacts } from './artifacts';
import { toExported, type Boundary, type ExecutorContext, type ExecutorResult } from '../shared/runs/executor-contract';
import { maskSecrets, urlLogSink } from './log-sink';
import { startStep, type Carried } from './run-step';
import { watchStopRequest } from './stop-request';
import type { WorkerReply, WorkerRequest } from './worker-protocol';

/** Secrets known so far, so that even a crash report cannot print one. */
let knownSecrets: string[] = [];

function readContext(text: string): ExecutorContext {
  let ctx: ExecutorContext;
  try {
    ctx = JSON.parse(text) as ExecutorContext;
  } catch {
    throw new Error('the step context is not valid JSON'); // the parser's message quotes the text
  }
  if (!ctx || typeof ctx !== 'object' || typeof ctx.source !== 'string' || typeof ctx.log !== 'string') {
    throw new Error('the step context is not valid');
  }
  knownSecrets = Array.isArray(ctx.secrets) ? ctx.secrets : [];
  return { ...ctx, env: ctx.env ?? {}, terraformVars: ctx.terraformVars ?? {}, commands: ctx.commands ?? [], secrets: knownSecrets };
}

/** A POSIX shell single-quoted word: safe to `source` whatever the value contains. */
const shellQuote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;

function writeResult(result: ExecutorResult, env: NodeJS.ProcessEnv, boundary?: Boundary): void {
  const file = env.TK_RESULT_FILE;
  if (file) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(result)}\n`, { mode: 0o600 });
  }
  const envFile = env.TK_RESULT_ENV;
  if (envFile) {
    mkdirSync(dirname(envFile), { recursive: true });
    const lines = toExported(result, boundary).map(({ Name, Value }) => `${Name}=${shellQuote(Value)}\n`);
    writeFileSync(envFile, lines.join(''), { mode: 0o600 });
  }
}

interface StepRunning {
  result: ExecutorResult;
  /** Settles once what follows the result (the structured view, clean-up) is done. */
  settled: Promise<void>;
  /** What the step leaves a chained step after it. */
  carried: Carried;
}

/** A chained step's start: its context read ahead (while the step before it ran), and what that step left. */
interface ChainStart {
  context?: string;
  carried: Carried;
}

/** Runs the step `env` describes; throws only when the executor itself fails. */
async function executeStep(env: NodeJS.ProcessEnv, signal: AbortSignal, stop: () => void, afterResultGate?: Promise<void>, chain?: ChainStart): Promise<StepRunning> {
  knownSecrets = [];
  const contextRef = env.TK_CONTEXT;
  if (!contextRef) throw new Error('TK_CONTEXT is not set');
  const artifacts = urlArtifacts();

  const text = chain?.context ?? (await artifacts.readText(contextRef));
  if (text === undefined) throw new Error('the step context does not exist');
  // Deleted while the step goes on (awaited before its result): the context holds secrets, but is read already.
  const disposed = env.TK_CONTEXT_DISPOSE && !chain?.context ? artifacts.remove(env.TK_CONTEXT_DISPOSE) : Promise.resolve();
  const ctx = readContext(text);
  // The chained step checks out the commit its plan ran (when the job pins none), as Advance would have told it.
  if (!ctx.commitId && env.TK_PIN_COMMIT) ctx.commitId = env.TK_PIN_COMMIT;

  const logInterval = Number(env.TK_LOG_INTERVAL_MS);
  const log = urlLogSink({ url: ctx.log, artifacts, secrets: ctx.secrets, ...(logInterval > 0 ? { intervalMs: logInterval } : {}) });
  // A cancel in AWS: the step is stopped as on SIGINT once its stop request appears.
  const pollMs = Number(env.TK_STOP_POLL_MS);
  const stopWatch = ctx.stop ? watchStopRequest(artifacts, ctx.stop, stop, Number.isFinite(pollMs) && pollMs > 0 ? pollMs : 3000) : undefined;
  // The first look runs beside the step's start: a stop request found stops it as on SIGINT.
  const firstLook = stopWatch?.check();

  const graceMs = Number(env.TK_KILL_GRACE_MS);
  const step = startStep(ctx, {
    log,
    artifacts,
    signal,
    workRoot: env.TK_WORK_ROOT || tmpdir(),
    ...(env.TK_JOB_DIR ? { jobDir: env.TK_JOB_DIR } : {}),
    environment: env,
    killGraceMs: Number.isFinite(graceMs) && graceMs >= 0 && env.TK_KILL_GRACE_MS ? graceMs : 10_000,
    ...(afterResultGate ? { afterResultGate } : {}),
    ...(chain ? { carried: chain.carried } : {}),
  });
  const result = await step.result;
  stopWatch?.dispose();
  await firstLook;
  try {
    await log.close();
  } catch (error) {
    // The result still stands; only (part of) the log is lost.
    process.stderr.write(`saving the step log failed: ${maskSecrets(String(error), knownSecrets)}\n`);
  }
  // A context that could not be deleted is left to the store's expiry: the step's result still stands.
  await disposed.catch((error: unknown) => process.stderr.write(`deleting the step context failed: ${maskSecrets(String(error), knownSecrets)}\n`));
  return { result, settled: step.settled, carried: step.carried };
}

/**
 * The step, and the chained step after it when there is one and the step's result calls for it. What
 * follows each result (the structured view: a terraform process) waits for `proceed`, the run having
 * recorded the last result, so it competes neither with the chained apply nor with the run's next task.
 * The chain goes on only while the plan left the apply its full step time within the run's task
 * (TK_NEXT_WITHIN_MS after the step began); otherwise the run hands the apply over as usual.
 */
async function executeSteps(env: NodeJS.ProcessEnv, signal: AbortSignal, stop: () => void, boundary: (result: ExecutorResult) => void, proceed: Promise<void>): Promise<StepRunning> {
  const { TK_NEXT_STEP: nextStep, TK_NEXT_CONTEXT: nextContext, TK_NEXT_CONTEXT_DISPOSE: nextDispose } = env;
  const began = Date.now();
  const artifacts = urlArtifacts();
  // The chained context holds secrets: deleted unread whenever the chain does not go on.
  const dropNext = () => (nextDispose ? artifacts.remove(nextDispose).catch(() => undefined) : undefined);
  // Read ahead while the plan runs (then deleted: it is in memory), so the apply starts without a request.
  const readAhead = async (ref: string) => {
    const text = await artifacts.readText(ref).catch(() => undefined); // not read now: read at the boundary
    if (text !== undefined) await dropNext();
    return text;
  };
  const ahead = nextStep && nextContext ? readAhead(nextContext) : Promise.resolve(undefined);
  let first: StepRunning;
  try {
    first = await executeStep(env, signal, stop, proceed);
  } catch (error) {
    await ahead;
    await dropNext();
    throw error;
  }
  if (!nextStep || !nextContext) return first;
  const nextText = await ahead;
  const within = Number(env.TK_NEXT_WITHIN_MS);
  const inTime = !(within > 0) || Date.now() - began < within;
  // The same rule as the run's (shared/run-tasks/decide.ts): an apply follows a plan that completed with changes.
  if (first.result.status !== 'completed' || first.result.planChanges !== true || signal.aborted || !inTime) {
    await dropNext();
    return first;
  }
  boundary(first.result);
  const pin = first.result.commitId ? { TK_PIN_COMMIT: first.result.commitId } : {};
  // The apply's view comes after the plan's, which leaves the show -json it reuses in the job directory.
  const second = await executeStep({ ...env, ...pin, TK_CONTEXT: nextContext, TK_CONTEXT_DISPOSE: nextDispose }, signal, stop, first.settled, {
    ...(nextText !== undefined ? { context: nextText } : {}),
    carried: first.carried,
  });
  return { result: { ...second.result, stepId: nextStep }, settled: second.settled, carried: second.carried };
}

/** How long what follows the last result waits for the run's word at most (a parent that never sends it must not hold a process forever). */
const PROCEED_WAIT_MS = 3000;

const describe = (error: unknown) => maskSecrets(error instanceof Error ? (error.stack ?? error.message) : String(error), knownSecrets);

/** One build, as CodeBuild runs it: the step from the environment, and the apply chained to it when it goes on. */
async function once(): Promise<void> {
  const abort = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => abort.abort());
  // A build that may chain keeps one directory for both steps (one checkout, one init); it goes with the build.
  const jobDir = process.env.TK_NEXT_STEP && !process.env.TK_JOB_DIR ? mkdtempSync(join(process.env.TK_WORK_ROOT || tmpdir(), 'terrakube-build-')) : undefined;
  const env = jobDir ? { ...process.env, TK_JOB_DIR: jobDir } : process.env;
  let boundary: Boundary | undefined;
  const atBoundary = (result: ExecutorResult) => {
    boundary = { result, at: Date.now() };
    // Should this process die during the apply, the build (its buildspec) still reports the plan.
    writeResult({ status: 'failed', exitCode: 1, message: 'the executor ended without a result', stepId: env.TK_NEXT_STEP }, env, boundary);
  };
  // What follows a result (the structured view) waits for the build's last result: it is off the job's path.
  let lastResultOut!: () => void;
  const proceed = new Promise<void>((go) => (lastResultOut = go));
  try {
    const { result, settled } = await executeSteps(env, abort.signal, () => abort.abort(), atBoundary, proceed);
    writeResult(result, env, boundary);
    lastResultOut();
    await settled;
  } finally {
    if (jobDir) rmSync(jobDir, { recursive: true, force: true });
  }
}

/** A warm worker: steps arrive over IPC, one at a time. */
function worker(): void {
  let current: AbortController | undefined;
  /** Set once the process is to end (a signal, its parent gone, a stopped step, a failure): it takes no more steps. */
  let leaving = false;
  const send = (reply: WorkerReply) => new Promise<void>((done) => (process.connected ? process.send!(reply, () => done()) : done()));
  const leave = () => {
    leaving = true;
    current?.abort();
    if (!current) process.exit(0);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, leave);
  process.on('disconnect', leave);
  /** Opens the current run's gate; a 'proceed' names the step it is for, so a late one for an earlier run opens nothing. */
  let proceedNow: ((step?: string) => void) | undefined;
  process.on('message', (message: WorkerRequest) => {
    if (message.type === 'exit') return leave();
    if (message.type === 'proceed') return proceedNow?.(message.step);
    if (message.type !== 'run') return;
    // Never two steps at once, nor one after a stop: the pool then learns it at once instead of waiting.
    if (current || leaving) return void send({ type: 'failed', message: 'the executor process was not free to take the step' });
    const abort = new AbortController();
    current = abort;
    let openGate!: () => void;
    const proceed = new Promise<void>((go) => (openGate = go));
    const step = message.env.TK_STEP;
    proceedNow = (forStep) => {
      if (forStep === undefined || forStep === step) openGate();
    };
    abort.signal.addEventListener('abort', () => openGate(), { once: true });
    const done = async (reply: WorkerReply, code?: number, settled: Promise<void> = Promise.resolve()) => {
      if (code !== undefined || abort.signal.aborted) leaving = true;
      await send(reply);
      setTimeout(openGate, PROCEED_WAIT_MS).unref(); // counted from the last result, not from the step's start
      // The pool sends the next step only after 'free': what follows the result runs first.
      await settled.catch((error: unknown) => process.stderr.write(`after the step: ${describe(error)}\n`));
      // Decided before 'free' leaves: the next step may arrive as soon as it does.
      if (abort.signal.aborted) leaving = true;
      current = undefined;
      if (leaving) process.exit(code ?? 0); // a stopped step's process is not reused
      await send({ type: 'free' });
    };
    const boundary = (result: ExecutorResult) => void send({ type: 'boundary', result });
    executeSteps({ ...process.env, ...message.env }, abort.signal, () => abort.abort(), boundary, proceed).then(
      ({ result, settled }) => done({ type: 'result', result }, undefined, settled),
      (error: unknown) => {
        process.stderr.write(`executor failed: ${describe(error)}\n`);
        return done({ type: 'failed', message: `executor failed: ${describe(error).split('\n')[0]}` }, 1);
      },
    );
  });
  void send({ type: 'ready' });
}

if (process.env.TK_EXECUTOR_WORKER === '1' && process.send) worker();
else
  once().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`executor failed: ${describe(error)}\n`);
      process.exit(1);
    },
  );
