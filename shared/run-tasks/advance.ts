/**
 * The Advance task: records the result of the step that just ended, then either hands the next step
 * to the executor, asks for an approval, or ends the job (freeing its workspace). All job writes are
 * conditional on the status read, so a cancel that lands meanwhile always wins.
 */
import { fromExported, type ExecutorContext } from '../runs/executor-contract';
import { isTerminal } from '../domain/job-status';
import type { JobRecord, TemplateRecord, VariableRecord, WorkspaceRecord } from '../domain/records';
import type { Flow } from '../domain/flow';
import { finishJob, JobAlreadyEnded } from '../jobs/finish-job';
import { readJob, updateJobIfStatus } from '../jobs/job-writes';
import { logger } from '../logger';
import { stepLogPath } from '../resources/job-documents';
import { keys } from '../store/keys';
import { ConditionFailed, getItem, queryAll, stripKeys } from '../store/table';
import { write } from '../store/writes';
import { artifactStore, stepTimeoutSeconds } from '../wiring';
import { decide, initialSteps, planStepFor, type Recorded } from './decide';
import { RUNNER_IDENTITY, type RunState } from '../runs/run-state';

const end = (state: RunState): RunState => ({ organizationId: state.organizationId, jobId: state.jobId, action: 'end' });

function recordedFrom(state: RunState): Recorded | undefined {
  if (!state.step || !state.result) return undefined;
  if (state.result.exported) return { stepId: state.step.id, executed: fromExported(state.result.exported) };
  if (state.result.decision === 'approved') return { stepId: state.step.id, approved: true };
  return undefined;
}

async function holdsWorkspace(job: JobRecord): Promise<boolean> {
  const workspace = await getItem(keys.workspace(job.workspaceId));
  return workspace?.activeJob === job.id;
}

/** The flow a job runs, frozen into the job when its run starts (contract §3.1). */
async function flowOf(job: JobRecord): Promise<{ tcl: string; flows: Flow[] } | { error: string }> {
  let tcl = job.tcl;
  if (job.steps.length === 0 && job.templateReference) {
    const item = await getItem(keys.template(job.organizationId, job.templateReference));
    if (!item) return { error: `template ${job.templateReference} no longer exists` };
    tcl = stripKeys<TemplateRecord>(item).tcl;
  }
  if (!tcl) return { error: 'the job has no flow to run' };
  try {
    // Loaded here, not at module scope: the task functions that share this module never parse YAML.
    const { parseTcl } = await import('../domain/tcl');
    return { tcl, flows: parseTcl(tcl) };
  } catch (error) {
    return { error: `the job's flow is not valid: ${(error as Error).message}` };
  }
}

async function finish(job: JobRecord, status: 'completed' | 'failed', output: string, extra: Record<string, unknown>): Promise<void> {
  try {
    await finishJob(job, { status, stepStatus: () => 'notExecuted', output, updatedBy: RUNNER_IDENTITY, extra });
  } catch (error) {
    if (!(error instanceof JobAlreadyEnded)) throw error;
  }
}

export async function advance(state: RunState): Promise<RunState> {
  const recorded = recordedFrom(state);
  for (let attempt = 1; attempt <= 10; attempt++) {
    const job = await readJob(state.organizationId, state.jobId);
    if (!job || isTerminal(job.status)) return end(state);
    // A run only ever starts for the job holding its workspace: a stray start of a queued job is a no-op.
    if (job.steps.length === 0 && !(await holdsWorkspace(job))) {
      logger.warn('run started for a job that does not hold its workspace; ignored', { organizationId: job.organizationId, jobId: job.id });
      return end(state);
    }
    const flow = await flowOf(job);
    if ('error' in flow) {
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
        await finish({ ...job, steps: decision.steps }, decision.next.status, output ?? job.output ?? decision.next.reason, { tcl: flow.tcl, ...fields });
        return end(state);
      }
      const { step, flow: stepFlow } = decision.next;
      const stepRef = { id: step.id, type: step.type, name: step.name, number: step.stepNumber };
      if (decision.next.kind === 'approve') {
        await write([updateJobIfStatus(job, persisted)]);
        return { organizationId: job.organizationId, jobId: job.id, action: 'approve', step: stepRef, approval: { team: stepFlow.team ?? '' } };
      }
      const dispatched = { ...job, ...persisted } as JobRecord;
      await write([updateJobIfStatus(job, { ...persisted, status: 'queue' })]);
      const context = await executorContext(dispatched, step.id, stepFlow);
      const ref = artifactStore().contextRef(job.organizationId, job.id, step.id);
      await artifactStore().writeSecret(ref, JSON.stringify(context));
      return {
        organizationId: job.organizationId,
        jobId: job.id,
        action: 'execute',
        step: stepRef,
        executor: { context: ref, job: String(job.id), iac: context.iacType, version: context.terraformVersion ?? '' },
      };
    } catch (error) {
      if (!(error instanceof ConditionFailed)) throw error;
      logger.info('job changed while advancing; reading it again', { jobId: job.id, attempt });
    }
  }
  throw new Error(`job ${state.jobId}: too many concurrent changes while advancing`);
}

/** Everything the executor needs for one step; holds the workspace's sensitive variables. */
async function executorContext(job: JobRecord, stepId: string, flow: Flow): Promise<ExecutorContext> {
  const items = await queryAll({ KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': `WS#${job.workspaceId}` } });
  const workspaceItem = items.find((i) => i.sk === 'WS');
  if (!workspaceItem) throw new Error(`workspace ${job.workspaceId} of job ${job.id} no longer exists`);
  const workspace = stripKeys<WorkspaceRecord>(workspaceItem);
  const variables = items.filter((i) => String(i.sk).startsWith('VAR#')).map((i) => stripKeys<VariableRecord>(i));
  const step = job.steps.find((s) => s.id === stepId);
  const store = artifactStore();
  const planStep = step && flow.type === 'terraformApply' ? planStepFor(job.steps, step, job.planChanges) : undefined;
  return {
    organizationId: job.organizationId,
    workspaceId: job.workspaceId,
    jobId: job.id,
    stepId,
    stepName: step?.name ?? flow.name,
    stepType: flow.type,
    source: workspace.source,
    branch: job.overrideBranch ?? workspace.branch,
    commitId: job.commitId,
    folder: workspace.folder,
    iacType: workspace.iacType,
    terraformVersion: workspace.terraformVersion,
    refresh: job.refresh,
    refreshOnly: job.refreshOnly,
    commands: flow.commands,
    env: Object.fromEntries(variables.filter((v) => v.category === 'ENV').map((v) => [v.key, v.value])),
    terraformVars: Object.fromEntries(variables.filter((v) => v.category === 'TERRAFORM').map((v) => [v.key, v.value])),
    secrets: variables.filter((v) => v.sensitive).map((v) => v.value),
    planIn: planStep ? store.planRef(job.organizationId, job.id, planStep.id) : null,
    planOut: flow.type === 'terraformPlan' || flow.type === 'terraformPlanDestroy' ? store.planRef(job.organizationId, job.id, stepId) : null,
    backend: store.backend(job.organizationId, job.workspaceId),
    log: store.logRef(job.organizationId, job.id, stepId),
    timeoutSeconds: stepTimeoutSeconds(),
  };
}
