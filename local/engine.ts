/**
 * The local job engine: runs the state machine definition CDK synthesizes with aws-local-stepfunctions,
 * every Task overridden by the local implementation of the same port the Lambda uses (the very task
 * functions the Advance, AwaitApproval and RecordFailure handlers are; the executor as a child process
 * for Execute).
 * Task tokens, stop-execution and the event log work as in Step Functions.
 */
import './polyfills';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { StateMachine } from 'aws-local-stepfunctions';
import { toExported } from '../shared/runs/executor-contract';
import { advance as advanceTask, type ChainedStep } from '../shared/run-tasks/advance';
import { recordChainedStart } from '../shared/run-tasks/chained-step';
import { awaitApproval as awaitApprovalTask } from '../shared/run-tasks/await-approval';
import { executeTaskTimeoutSeconds, executionTimeoutSeconds, RUN_STATES, type RunTimeouts } from '../infra/run-states';
import type { CreatedRun, RunControl, RunRef } from '../shared/ports/run-control';
import { logger } from '../shared/logger';
import { executionEnded, recordFailure as recordFailureTask } from '../shared/run-tasks/failure';
import { executionName, type ApprovalTaskInput, type RunState } from '../shared/runs/run-state';
import { stepStarted } from '../shared/run-tasks/step-started';
import { retryTransient } from '../shared/runs/transient-retry';
import { runDefinition } from './run-definition';
import { bundleExecutor, ExecutorPool, reapStaleExecutors, type RunningExecutor } from './executor-process';
import { startObjectServer, type ObjectServer } from './executor-objects';
import { artifactStore, useExecutorObjectsUrl } from '../shared/wiring';
import { readJob } from '../shared/store/repositories/jobs';
import { environment } from '../shared/env';
import type { ExecutorResult } from '../shared/runs/executor-contract';
import type { JobRecord } from '../shared/domain/records';

type TaskOverride = (input: unknown) => Promise<unknown>;
type LibraryOverrides = NonNullable<NonNullable<NonNullable<Parameters<StateMachine['run']>[1]>['overrides']>['taskResourceLocalHandlers']>;
/** Task results are JSON; the library's types say so, our handlers' types are more precise. */
const json = (overrides: Record<string, TaskOverride>) => overrides as unknown as LibraryOverrides;

export interface EngineEvent {
  type: string;
  timestamp: number;
  [key: string]: unknown;
}

interface Execution {
  name: string;
  run: RunRef;
  abort: () => void;
  done: Promise<void>;
  events: EngineEvent[];
  executor?: RunningExecutor;
  /** The job as the last Advance wrote it when it dispatched a step (the step start is recorded from it). */
  dispatched?: JobRecord;
  /** The job as its creator committed it, for the run's first Advance only (it then reads nothing first). */
  created?: CreatedRun;
  /** The apply Advance prepared to run right after the dispatched plan, in the same executor process. */
  chained?: ChainedStep;
  /** Lets the last step's executor go on with its structured view, once the next task recorded the result. */
  proceed?: () => void;
  stopped: boolean;
  /** Steps the executor ran, with when each was handed over and answered (for `npm run bench`). */
  steps: StepReport[];
  /** Each step's executor done with it altogether (its structured view is recorded after its result). */
  settling: Promise<void>[];
}

export interface StepReport {
  stepId: string;
  handedAt: number;
  endedAt: number;
  result?: ExecutorResult;
}

interface Waiter {
  execution: string;
  resolve: (output: unknown) => void;
  reject: (error: Error) => void;
}

export interface LocalEngineOptions {
  filesDir: string;
  timeouts: RunTimeouts;
  /** How long a cancelled step's process gets to stop before it is killed. */
  killGraceMs?: number;
  /** Signs the object URLs of step grants (default TERRAKUBE_PAT_SECRET, as the file store does). */
  signingSecret?: string;
  /**
   * Warm executor processes and the job's directory kept between its steps (default true). false: a new
   * process per step, each checking out and initialising again (what `npm run bench` compares against).
   */
  executorReuse?: boolean;
}

export class LocalEngine implements RunControl {
  private readonly executions = new Map<string, Execution>();
  private readonly waiters = new Map<string, Waiter>();
  /** Event logs of finished executions, kept for `npm run bench` (transition counts). */
  readonly finished = new Map<string, EngineEvent[]>();
  /** Executor steps of finished executions, for `npm run bench` (its per-phase split). */
  readonly finishedSteps = new Map<string, StepReport[]>();
  private shuttingDown = false;
  /** Executors still busy with a step whose result is out (recording its view). */
  private readonly afterSteps = new Set<Promise<void>>();

  private constructor(
    private readonly machine: StateMachine,
    private readonly pool: ExecutorPool,
    private readonly options: LocalEngineOptions,
    private readonly objects: ObjectServer,
  ) {}

  static async create(options: LocalEngineOptions): Promise<LocalEngine> {
    const definition = await runDefinition(options.timeouts);
    const machine = new StateMachine(definition as never, { validationOptions: { checkArn: true, checkPaths: true } });
    const workRoot = join(options.filesDir, 'work');
    await mkdir(join(workRoot, 'jobs'), { recursive: true });
    const reaped = await reapStaleExecutors(options.filesDir, options.killGraceMs);
    if (reaped) logger.warn('stopped executors left by a previous run of the engine', { reaped });
    // Executors reach their step's objects only through signed URLs, served here (issue 20).
    const objects = await startObjectServer(options.filesDir, options.signingSecret ?? environment().require('TERRAKUBE_PAT_SECRET'));
    useExecutorObjectsUrl(objects.url);
    await sweepJobDirs(join(workRoot, 'jobs'), executionTimeoutSeconds(options.timeouts) * 1000);
    const reuse = options.executorReuse !== false;
    const pool = new ExecutorPool(await bundleExecutor(options.filesDir), {
      workRoot,
      graceMs: options.killGraceMs ?? 5000,
      ...(reuse ? {} : { warm: 0, stepsPerProcess: 1 }),
    });
    // Booted before the engine serves: their start-up is not paid by (nor competes with) the first jobs.
    await pool.warmUp();
    return new LocalEngine(machine, pool, options, objects);
  }

  /** The job's directory, kept between its steps (checkout and init reused), across an approval and a restart. */
  private jobDir(name: string): string {
    return join(this.options.filesDir, 'work', 'jobs', name);
  }

  get running(): number {
    return this.executions.size;
  }

  async start(run: RunRef, created?: CreatedRun): Promise<void> {
    const name = executionName(run);
    if (this.executions.has(name)) return;
    const execution: Execution = { name, run, created, abort: () => undefined, done: Promise.resolve(), events: [], stopped: false, steps: [], settling: [] };
    const reuse = this.options.executorReuse !== false;
    const input = { organizationId: run.organizationId, jobId: run.jobId, ...(run.workspaceId ? { workspaceId: run.workspaceId, templateReference: run.templateReference ?? null } : {}) };
    const handle = this.machine.run(input, {
      noThrowOnAbort: true,
      // The placeholder lets `$$.Task.Token` resolve; AwaitApproval replaces it with a real token.
      context: { Task: { Token: 'local-engine' } } as never,
      overrides: {
        taskResourceLocalHandlers: json({
          [RUN_STATES.advance]: (input) =>
            advanceTask(input as RunState, {
              chain: reuse,
              created: takeCreated(execution),
              // A warm process takes the step the moment it is handed over: it is running from the dispatch on.
              startsAtOnce: () => reuse && this.pool.takesAtOnce(),
              onDispatch: (job, chained) => {
                execution.dispatched = job;
                execution.chained = chained;
              },
            }).finally(() => proceed(execution)),
          [RUN_STATES.recordFailure]: (input) => recordFailureTask(input as RunState),
          [RUN_STATES.awaitApproval]: (input) => this.awaitApproval(execution, input as { Payload: ApprovalTaskInput }),
          [RUN_STATES.execute]: (input) => this.execute(execution, input as { EnvironmentVariablesOverride: { Name: string; Value: string }[] }),
        }),
      },
    });
    execution.abort = handle.abort;
    const collecting = (async () => {
      for await (const event of handle.eventLogs) execution.events.push(event as EngineEvent);
    })();
    execution.done = handle.result
      .then(() => undefined)
      .catch(async (error: Error) => {
        if (execution.stopped) return;
        // Failed, timed out or crashed without ending its job: the same handler as AWS's EventBridge rule.
        logger.warn('job run ended abnormally', { ...run, error: error.name, message: error.message });
        // Retried like a state machine task (EventBridge's target retries in AWS); if the table stays away
        // longer, resuming runs once it is back (resumeRuns) ends the job.
        const status = error.name === 'ExecutionTimeoutError' ? 'TIMED_OUT' : 'FAILED';
        await retryTransient('record a run that ended', () => executionEnded({ ...run, status })).catch((e) =>
          logger.error('could not record a run failure', { ...run, error: e }),
        );
      })
      .finally(async () => {
        await collecting.catch(() => undefined);
        proceed(execution);
        remember(this.finished, name, execution.events);
        remember(this.finishedSteps, name, execution.steps);
        this.executions.delete(name);
        // The run is over (a shutdown leaves it to be resumed: its directory stays for the next start).
        // Removed once every step has let go of it (one still stopping after an abort, a view being recorded).
        if (!this.shuttingDown) {
          void Promise.all(execution.settling)
            .then(() => Promise.all([rm(this.jobDir(name), { recursive: true, force: true }), forgetIfDeleted(run)]))
            .catch(() => undefined);
        }
        for (const [token, waiter] of this.waiters) if (waiter.execution === name) this.waiters.delete(token);
      });
    this.executions.set(name, execution);
  }

  /**
   * A run that may be executing a step has the step interrupted (SIGINT: terraform finishes its write
   * and releases its lock) and then ends by itself, through the task that hands the workspace on, once
   * the executor has exited; any other run is stopped at once.
   */
  async stop(run: RunRef, how: { interruptStep?: boolean } = {}): Promise<void> {
    const execution = this.executions.get(executionName(run));
    if (!execution) return;
    execution.stopped = true;
    execution.executor?.cancel();
    for (const [token, waiter] of this.waiters) {
      if (waiter.execution !== execution.name) continue;
      this.waiters.delete(token);
      waiter.reject(Object.assign(new Error('execution stopped'), { name: 'States.Aborted' }));
    }
    if (!how.interruptStep) execution.abort();
  }

  async resume(token: string, output: { decision: 'approved' | 'rejected' }): Promise<'ok' | 'expired'> {
    const waiter = this.waiters.get(token);
    if (!waiter) return 'expired';
    this.waiters.delete(token);
    waiter.resolve(output);
    return 'ok';
  }

  /** Waits for every run to finish and every executor to be done with its steps (tests and bench), or the timeout. */
  async idle(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const timeout = new Promise<void>((done) => setTimeout(done, timeoutMs).unref());
    while ((this.executions.size > 0 || this.afterSteps.size > 0) && Date.now() < deadline) {
      await Promise.race([...[...this.executions.values()].map((e) => e.done), ...this.afterSteps, timeout]);
    }
  }

  /** Stops everything without touching job state: reconciliation at the next start takes over. */
  async shutdown(): Promise<void> {
    this.shuttingDown = true;
    const all = [...this.executions.values()];
    for (const execution of all) {
      execution.stopped = true;
      execution.executor?.cancel();
      execution.abort();
    }
    await Promise.all(all.map((e) => e.executor?.result.catch(() => undefined)));
    await this.pool.close();
    await this.objects.close();
  }

  transitions(run: RunRef): number | undefined {
    const events = this.finished.get(executionName(run)) ?? this.executions.get(executionName(run))?.events;
    return events?.filter((e) => e.type === 'StateEntered').length;
  }

  private awaitApproval(execution: Execution, input: { Payload: ApprovalTaskInput }): Promise<unknown> {
    const token = `local-${crypto.randomUUID()}`;
    let resolve!: (output: unknown) => void;
    let reject!: (error: Error) => void;
    const promise = new Promise<unknown>((ok, fail) => {
      resolve = ok;
      reject = fail;
    });
    this.waiters.set(token, { execution: execution.name, resolve, reject });
    awaitApprovalTask({ ...input.Payload, token }).catch((error: Error) => {
      this.waiters.delete(token);
      reject(error);
    });
    return promise;
  }

  private async execute(execution: Execution, input: { EnvironmentVariablesOverride: { Name: string; Value: string }[] }): Promise<unknown> {
    const env = Object.fromEntries(input.EnvironmentVariablesOverride.map((v) => [v.Name, v.Value]));
    const { dispatched, chained } = execution;
    execution.dispatched = undefined;
    execution.chained = undefined;
    if (execution.stopped) {
      // Stopped between dispatch and handover: the contexts written for it hold secrets and go unread.
      for (const url of [env.TK_CONTEXT_DISPOSE, chained?.dispose]) if (url) void fetch(url, { method: 'DELETE' }).then((r) => r.body?.cancel(), () => undefined);
      throw Object.assign(new Error('execution stopped'), { name: 'States.Aborted' });
    }
    const handedAt = Date.now();
    // A local log is rewritten every second (S3's 5 s would only slow down what a local user watches).
    const stepEnv: Record<string, string> = { TK_LOG_INTERVAL_MS: '1000', ...env };
    if (chained) {
      // The apply gets its full step time (and a minute) within what is left of this Execute task's timeout, or is not chained.
      const withinMs = (executeTaskTimeoutSeconds(this.options.timeouts) - this.options.timeouts.stepSeconds - 60) * 1000;
      Object.assign(stepEnv, { TK_NEXT_STEP: chained.stepId, TK_NEXT_CONTEXT: chained.context, TK_NEXT_CONTEXT_DISPOSE: chained.dispose, TK_NEXT_WITHIN_MS: String(withinMs) });
    }
    const report: StepReport = { stepId: env.TK_STEP ?? '', handedAt, endedAt: handedAt };
    execution.steps.push(report);
    // The plan ended and its apply goes on in the same process: recorded beside it (what Advance would do).
    let chainRecorded: Promise<'recorded' | 'ended' | 'refused'> | undefined;
    const onBoundary = (result: ExecutorResult) => {
      const at = new Date();
      Object.assign(report, { endedAt: at.getTime(), result });
      execution.steps.push({ stepId: chained?.stepId ?? '', handedAt: at.getTime(), endedAt: at.getTime() });
      const ended = { stepId: env.TK_STEP ?? '', result };
      chainRecorded = retryTransient('record a chained step', () => recordChainedStart(execution.run, ended, { stepId: chained!.stepId }, at)).catch((error: Error) => {
        logger.error('chained step not recorded; stopping it', { ...execution.run, error: error.message });
        executor.cancel();
        return 'refused' as const;
      });
    };
    const executor = this.pool.start(this.options.executorReuse === false ? stepEnv : { ...stepEnv, TK_JOB_DIR: this.jobDir(execution.name) }, chained ? onBoundary : undefined);
    execution.executor = executor;
    const settled = executor.settled.catch(() => undefined);
    execution.settling.push(settled);
    this.afterSteps.add(settled);
    void settled.then(() => this.afterSteps.delete(settled));
    // CodeBuild's IN_PROGRESS event does this in AWS (and the dispatch already did when a warm process took the step at once).
    // Not waited for: a step runs while the table is away, and Advance records it whether or not this landed.
    if (dispatched?.status !== 'running') executor.handed.then(
      () =>
        retryTransient('record a step start', () => stepStarted(execution.run.organizationId, execution.run.jobId, env.TK_STEP ?? '', new Date(), dispatched)).catch((error) =>
          logger.error('step start not recorded', { error }),
        ),
      () => undefined,
    );
    const last = () => execution.steps.at(-1) as StepReport;
    try {
      // What startBuild.sync returns (the state's ResultSelector picks the exported variables).
      const result = await executor.result.catch(async (error: Error) => {
        await chainRecorded; // the failure is recorded after the chained start, never under it
        throw error;
      });
      last().result = result;
      execution.proceed = () => executor.proceed();
      // Advance reads the job after the chained start is recorded. A refused chain was stopped; its result goes to
      // Advance as it is (a state it saved is recorded, and the plan still marked running fails the job with the reason).
      await chainRecorded;
      return { Build: { BuildStatus: 'SUCCEEDED', ExportedEnvironmentVariables: toExported(result) } };
    } finally {
      last().endedAt = Date.now();
      execution.executor = undefined;
      // A chained context the executor did not get to (it crashed, was stopped, never started) holds secrets: gone too.
      if (chained) void fetch(chained.dispose, { method: 'DELETE' }).then((r) => r.body?.cancel(), () => undefined);
    }
  }
}

/** The created job, for the first Advance of the run only (a retried or later Advance reads the table). */
function takeCreated(execution: Execution): CreatedRun | undefined {
  const created = execution.created;
  execution.created = undefined;
  return created;
}

/** The step's executor may go on with what follows its result (it waits for this, or a few seconds). */
function proceed(execution: Execution): void {
  const go = execution.proceed;
  execution.proceed = undefined;
  go?.();
}

/**
 * A step's structured view is recorded after its result, so the job may have been deleted in between
 * (its artifacts with it): what the view wrote afterwards goes too.
 */
async function forgetIfDeleted(run: RunRef): Promise<void> {
  if (!(await readJob(run.organizationId, run.jobId))) await artifactStore().removeJob(run.organizationId, run.jobId);
}

/** Job directories no execution can still use (older than an execution may live): left by runs that ended while the engine was down. */
async function sweepJobDirs(root: string, maxAgeMs: number): Promise<void> {
  const cutoff = Date.now() - maxAgeMs;
  for (const name of await readdir(root).catch(() => [] as string[])) {
    const dir = join(root, name);
    const info = await stat(dir).catch(() => undefined);
    if (info && info.mtimeMs < cutoff) await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** Keeps the records of the last 1,000 finished executions (a long `npm start` must not grow without bound). */
function remember<T>(map: Map<string, T>, name: string, value: T): void {
  map.delete(name);
  map.set(name, value);
  for (const oldest of map.keys()) {
    if (map.size <= 1000) break;
    map.delete(oldest);
  }
}
