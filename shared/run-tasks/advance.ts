/**
 * The Advance task: records the result of the step that just ended, then either hands the next step
 * to the executor, asks for an approval, or ends the job (freeing its workspace). All job writes are
 * conditional on the status read, so a cancel that lands meanwhile always wins.
 */
import type { Flow } from '../domain/flow';
import { isTerminal } from '../domain/job-status';
import type { JobRecord } from '../domain/records';
import { finishJob, JobAlreadyEnded, releaseWorkspaceOf } from '../jobs/finish-job';
import { logger } from '../logger';
import { RUNNER_IDENTITY, type RunState } from '../runs/run-state';
import { stepLogPath } from '../runs/step-log';
import { planUpdateJobIfStatus, readJob } from '../store/repositories/jobs';
import { planLastJob, planLastJobSince, type LastJob } from '../store/repositories/workspace-queue';
import { getTemplate } from '../store/repositories/templates';
import { readWorkspaceWithVariables } from '../store/repositories/workspaces';
import { planRunStateVersion, recordRunState, StateHeadMoved } from '../state/state-versions';
import type { StateHeadRecord } from '../domain/versions';
import type { StateWritten } from '../runs/executor-contract';
import { getStateHead } from '../store/repositories/state-versions';
import { commit, ConditionFailed } from '../store/repositories/batch';
import { loadTcl } from '../domain/load-tcl';
import { artifactStore, executorObjectsUrl } from '../wiring';
import { decide, initialSteps, type Recorded } from './decide';
import { executorContext } from './executor-context';
import { stepGrants } from './step-grants';
import { chainableAfter, chainFields } from './chained-step';
import { ownStep, recordedFrom, recordExportedBoundary } from './recorded';
import type { CreatedRun } from '../ports/run-control';
import { jobMetrics } from '../observability/metrics';

const end = (state: RunState): RunState => ({ organizationId: state.organizationId, jobId: state.jobId, action: 'end' });

type TemplateRead = { template: Awaited<ReturnType<typeof getTemplate>> };

/** The flow a job runs, frozen into the job when its run starts (contract §3.1). */
async function flowOf(job: JobRecord, read?: TemplateRead): Promise<{ tcl: string; flows: Flow[] } | { error: string }> {
  let tcl = job.tcl;
  if (job.steps.length === 0 && job.templateReference) {
    const template = read ? read.template : await getTemplate(job.organizationId, job.templateReference);
    if (!template) return { error: `template ${job.templateReference} no longer exists` };
    tcl = template.tcl;
  }
  if (!tcl) return { error: 'the job has no flow to run' };
  try {
    // Loaded here, not at module scope: the task functions that share this module never parse YAML.
    const { parseTcl } = await loadTcl();
    return { tcl, flows: parseTcl(tcl) };
  } catch (error) {
    return { error: `the job's flow is not valid: ${(error as Error).message}` };
  }
}

/** A state a step saved, not yet recorded as the workspace's version (`head`: as read beside the job, when it was). */
interface PendingState {
  stepId: string;
  written: StateWritten;
  head?: StateHeadRecord | null;
}

/**
 * Ends the job. A state its last step saved becomes the workspace's current version in the same
 * transaction (one write fewer before the job's end); when another version came first, or the job had
 * ended meanwhile, it is recorded on its own: the state is current whatever became of the job.
 */
async function finish(job: JobRecord, status: 'completed' | 'failed', output: string, extra: Record<string, unknown>, pending?: PendingState): Promise<void> {
  const ending = { status, stepStatus: () => 'notExecuted' as const, output, updatedBy: RUNNER_IDENTITY, extra };
  let recorded = !pending;
  const recordAlone = async () => {
    if (recorded) return;
    await recordRunState(job, pending!.stepId, pending!.written);
    recorded = true;
  };
  try {
    const head = pending ? (pending.head !== undefined ? pending.head : ((await getStateHead(job.workspaceId)) ?? null)) : undefined;
    const alsoCommit = pending ? planRunStateVersion(job, pending.stepId, pending.written, head ?? null) : [];
    try {
      await finishJob(job, { ...ending, alsoCommit });
      return;
    } catch (error) {
      if (!(error instanceof StateHeadMoved)) throw error;
    }
    await recordAlone();
    await finishJob(job, ending);
  } catch (error) {
    if (error instanceof JobAlreadyEnded) {
      await recordAlone();
      await releaseWorkspaceOf(job); // cancelled meanwhile: the run ends here
      return;
    }
    // The job could not be ended now (the task is retried, or RecordFailure takes over): its state is current anyway.
    await recordAlone().catch(() => undefined);
    throw error;
  }
}

/**
 * What Advance reads before it decides, in one round when the run's state names the job's workspace
 * (and template): the job; the state head when the step saved a state; the workspace with its variables
 * and the template when the run starts. A state the step saved is answered as pending: Advance makes it
 * the workspace's current version (whatever became of the job) in the job's last write, or before the
 * next step reads it. The first attempt below goes on with these reads (its writes are conditional, so
 * a change meanwhile only costs a retry).
 *
 * A run started by the creator of its job in this process (`created`, the job having claimed its
 * workspace) reads nothing first: the job is as its creator committed it, and the dispatch is
 * conditional on it still waiting (the workspace and its variables are read beside that write).
 */
async function firstReads(state: RunState, recorded: Recorded | undefined, created: CreatedRun | undefined) {
  if (created?.holdsWorkspace && !state.step && !recorded && created.job.id === state.jobId && created.job.organizationId === state.organizationId && created.job.steps.length === 0) {
    return { job: created.job, fromCreator: true, recorded, pending: undefined, workspace: undefined, template: created.template ? { template: created.template } : undefined };
  }
  const written = recorded && 'executed' in recorded ? recorded.executed.state : undefined;
  const workspaceId = state.workspaceId;
  const starting = !state.step;
  const [job, head, workspace, template] = await Promise.all([
    readJob(state.organizationId, state.jobId),
    written && workspaceId ? getStateHead(workspaceId).then((h) => h ?? null) : undefined,
    starting && workspaceId ? readWorkspaceWithVariables(workspaceId) : undefined,
    starting && workspaceId && state.templateReference ? getTemplate(state.organizationId, state.templateReference).then((t) => ({ template: t })) : undefined,
  ]);
  const hinted = job?.workspaceId === workspaceId;
  const verified = job ? ownStep(job, state, recorded) : recorded;
  const pending: PendingState | undefined = written && verified ? { stepId: verified.stepId, written, ...(hinted ? { head } : {}) } : undefined;
  return {
    job,
    fromCreator: false,
    recorded: verified,
    pending,
    workspace: hinted ? workspace : undefined,
    template: hinted && job?.templateReference === state.templateReference ? template : undefined,
  };
}

/** The step an executor may run right after the one dispatched, in the same process (chained-step.ts). */
export interface ChainedStep {
  stepId: string;
  /** URLs to read and to delete its context (written beside the first step's). */
  context: string;
  dispose: string;
}

export interface AdvanceHooks {
  /**
   * Told the job as written when a step is dispatched to the executor (the local engine records the
   * step start with it), and the chained step prepared with it when `chain` is set.
   */
  onDispatch?: (job: JobRecord, chained?: ChainedStep) => void;
  /**
   * The executor can run a plan's apply right after it: the local engine's warm processes (true), a
   * CodeBuild build when the plan ends within `withinMs` (so the apply keeps its full step time).
   */
  chain?: boolean | { withinMs: number };
  /** The job as its creator committed it, when the creator started this run in the same process. */
  created?: CreatedRun;
  /**
   * Asked at each dispatch: true when an executor takes the step the moment it is handed over (the
   * local engine with an idle warm process). The step is then written running in the dispatch itself,
   * not queued first and started by a second write.
   */
  startsAtOnce?: () => boolean;
}

const lastJobOf = (workspace: { lastJobStatus?: string | null; lastJobDate?: string | null } | undefined) =>
  workspace ? { status: workspace.lastJobStatus ?? null, at: workspace.lastJobDate ?? null } : undefined;

/** The workspace's last job becomes this job's dispatch; skipped when a newer change is there (best effort: a display). */
async function showOnWorkspace(job: JobRecord, last: LastJob, since: { status: string | null; at: string | null }): Promise<void> {
  try {
    await commit([planLastJobSince(job.workspaceId, last, job.id, since)]);
  } catch (error) {
    if (error instanceof ConditionFailed) return;
    logger.warn('could not show the job on its workspace', { organizationId: job.organizationId, jobId: job.id, error });
  }
}

/** Deletes a context no executor will read, through the URL minted to delete it (best effort: it expires with its grant). */
async function deleteUnread(url: string | undefined): Promise<void> {
  if (!url) return;
  await fetch(url, { method: 'DELETE' }).then((r) => r.body?.cancel(), () => undefined);
}

/** Writes a step's context and mints the two URLs the build reaches it by (it has no storage rights of its own). */
async function dispatchContext(job: JobRecord, stepId: string, flow: Flow, workspace: Parameters<typeof executorContext>[3]) {
  const context = await executorContext(job, stepId, flow, workspace);
  const store = artifactStore();
  const ref = store.contextRef(job.organizationId, job.id, stepId);
  const { version } = await store.writeSecret(ref, JSON.stringify(context));
  const grant = stepGrants(store, executorObjectsUrl(), context.timeoutSeconds);
  const [read, dispose] = await Promise.all([grant.read(ref), grant.remove(ref, version)]);
  return { context, read, dispose };
}

async function chainedContext(job: JobRecord, planStepId: string, chainable: { stepId: string; flow: Flow }, workspace: Parameters<typeof executorContext>[3]): Promise<ChainedStep> {
  const afterPlan: JobRecord = { ...job, planChanges: true, steps: job.steps.map((s) => (s.id === planStepId ? { ...s, status: 'completed' } : s)) };
  const { read, dispose } = await dispatchContext(afterPlan, chainable.stepId, chainable.flow, workspace);
  return { stepId: chainable.stepId, context: read, dispose };
}

export async function advance(state: RunState, hooks: AdvanceHooks = {}): Promise<RunState> {
  // A build that ran a chained apply: its plan's end and the apply's start come first.
  await recordExportedBoundary(state);
  const early = await firstReads(state, recordedFrom(state), hooks.created);
  const recorded = early.recorded;
  let pending = early.pending;
  /** The step's saved state becomes the workspace's current version (whatever became of the job), once, before anything reads it. */
  const settleState = async (job: JobRecord) => {
    const p = pending;
    pending = undefined;
    if (p) await recordRunState(job, p.stepId, p.written, p.head);
  };
  for (let attempt = 1; attempt <= 10; attempt++) {
    const job = attempt === 1 ? early.job : await readJob(state.organizationId, state.jobId);
    if (!job) return end(state);
    if (isTerminal(job.status)) {
      // Ended meanwhile (a cancel): this run is over, so the workspace it may still hold goes on.
      await settleState(job);
      await releaseWorkspaceOf(job);
      return end(state);
    }
    // The first Advance reads the workspace (with its variables, for the step context) and the template
    // side by side, once: the workspace both proves the job holds it and feeds the first step. Handed the
    // job by its creator, it reads the workspace beside its write instead (which holds only for the holder).
    const fromCreator = attempt === 1 && early.fromCreator;
    const [workspace, flow] = await Promise.all([
      job.steps.length === 0 && !fromCreator ? (attempt === 1 ? early.workspace : undefined) ?? readWorkspaceWithVariables(job.workspaceId) : undefined,
      flowOf(job, attempt === 1 ? early.template : undefined),
    ]);
    // A run only ever starts for the job holding its workspace: a stray start of a queued job is a no-op.
    if (workspace && workspace.workspace?.activeJob !== job.id) {
      logger.warn('run started for a job that does not hold its workspace; ignored', { organizationId: job.organizationId, jobId: job.id });
      await settleState(job);
      return end(state);
    }
    if ('error' in flow) {
      await settleState(job);
      await finish(job, 'failed', flow.error, {});
      return end(state);
    }
    const now = new Date().toISOString();
    const current = job.steps.length > 0 ? job : { ...job, steps: initialSteps(flow.flows, () => crypto.randomUUID()) };
    const steps = current.steps.map((s) => (s.output === null && s.type !== 'approval' ? { ...s, output: stepLogPath(job, s.id) } : s));
    const decision = decide({ ...current, steps }, flow.flows, recorded, now);
    const persisted = { steps: decision.steps, tcl: flow.tcl, ...decision.fields, updatedBy: RUNNER_IDENTITY, updatedDate: now };
    try {
      if (decision.next.kind === 'finish') {
        // Each ended step already wrote its line (with the failure, if any) into the output.
        const { output, ...fields } = decision.fields;
        await finish({ ...job, steps: decision.steps }, decision.next.status, output ?? job.output ?? decision.next.reason, { tcl: flow.tcl, ...fields }, pending);
        return end(state);
      }
      // The next step starts from the current state version: the one this step saved, recorded first.
      await settleState(job);
      const { step, flow: stepFlow } = decision.next;
      const stepRef = { id: step.id, type: step.type, name: step.name, number: step.stepNumber };
      if (decision.next.kind === 'approve') {
        await commit([planUpdateJobIfStatus(job, persisted)]);
        return { organizationId: job.organizationId, jobId: job.id, workspaceId: job.workspaceId, action: 'approve', step: stepRef, approval: { team: stepFlow.team ?? '' } };
      }
      // Handed straight to a waiting executor: the step runs from this write on (no queued state in between).
      const status = hooks.startsAtOnce?.() ? 'running' : 'queue';
      const written = status === 'running' ? { ...persisted, steps: persisted.steps.map((s) => (s.id === step.id ? { ...s, status: 'running' as const, startedDate: now } : s)) } : persisted;
      const dispatched = { ...job, ...written, status } as JobRecord;
      const chainable = hooks.chain ? chainableAfter(decision.steps, flow.flows, step.id) : undefined;
      // The workspace (variables, state head) is read and the step's contexts are written while the dispatch
      // commits: none of them needs the others. A dispatch that does not commit deletes the contexts (they hold secrets).
      const contexts = Promise.resolve(workspace ?? readWorkspaceWithVariables(job.workspaceId)).then((workspaceRead) =>
        Promise.all([
          dispatchContext(dispatched, step.id, stepFlow, workspaceRead),
          // The apply's context as it will be once the plan found changes (the only case it runs in).
          chainable ? chainedContext(dispatched, step.id, chainable, workspaceRead) : undefined,
        ]),
      );
      // A run's first dispatch knows the workspace's last job change (as the creator wrote it, or as read
      // with the job): the job's write alone starts it, and the workspace shows it beside that write, unless
      // another change came first (a cancel that fails the job's write also changes the workspace, before
      // or after). A job that still waits holds the workspace it was given (only its end moves the queue
      // on), so its own condition is the proof. Later dispatches write both in one transaction.
      const since = job.steps.length > 0 ? undefined : fromCreator ? { status: job.status, at: job.createdDate } : lastJobOf(workspace?.workspace);
      const last = { status, at: now };
      const shown = since ? showOnWorkspace(job, last, since) : undefined;
      try {
        await commit([planUpdateJobIfStatus(job, { ...written, status }), ...(since ? [] : [planLastJob(job.workspaceId, last)])]);
      } catch (error) {
        void contexts.then(([own, next]) => Promise.all([own.dispose, next?.dispose].map(deleteUnread)), () => undefined);
        await shown;
        throw error;
      }
      if (status === 'running' && !job.steps.some((s) => s.startedDate)) jobMetrics.started(job); // the job's first step: the job started
      const [[{ context, read, dispose }, chained]] = await Promise.all([contexts, shown]);
      hooks.onDispatch?.(dispatched, chained);
      return {
        organizationId: job.organizationId,
        jobId: job.id,
        workspaceId: job.workspaceId,
        action: 'execute',
        step: stepRef,
        executor: { context: read, dispose, job: String(job.id), iac: context.iacType, version: context.terraformVersion ?? '', ...chainFields(chained, hooks.chain) },
      };
    } catch (error) {
      if (!(error instanceof ConditionFailed)) throw error;
      logger.info('job changed while advancing; reading it again', { jobId: job.id, attempt });
    }
  }
  throw new Error(`job ${state.jobId}: too many concurrent changes while advancing`);
}
