/**
 * The run's rules as a pure function (contract §4): given the job, its flow and the result of the step
 * that just ended, the job's new steps and fields and what happens next. Advance does the I/O.
 */
import type { ExecutorResult } from '../runs/executor-contract';
import type { JobStatus } from '../domain/job-status';
import type { JobRecord, StepRecord } from '../domain/records';
import { TERRAFORM_FLOW_TYPES, type Flow } from '../domain/flow';

export type Next =
  | { kind: 'execute'; step: StepRecord; flow: Flow }
  | { kind: 'approve'; step: StepRecord; flow: Flow }
  | { kind: 'finish'; status: Extract<JobStatus, 'completed' | 'failed'>; reason: string };

export interface Decision {
  steps: StepRecord[];
  fields: Partial<Pick<JobRecord, 'commitId' | 'planChanges' | 'terraformPlan' | 'output'>>;
  next: Next;
}

export type Recorded = { stepId: string; executed: ExecutorResult } | { stepId: string; approved: true };

export const isPlan = (type: string) => type === 'terraformPlan' || type === 'terraformPlanDestroy';

export function initialSteps(flows: Flow[], newId: () => string): StepRecord[] {
  return flows.map((f) => ({
    id: newId(),
    stepNumber: f.step,
    name: f.name,
    type: f.type,
    status: 'pending',
    output: null,
    startedDate: null,
    finishedDate: null,
  }));
}

const appendOutput = (output: string | null, line: string) => (output ? `${output}\n${line}` : line);

export function decide(job: JobRecord, flows: Flow[], recorded: Recorded | undefined, now: string): Decision {
  const steps = job.steps.map((s) => ({ ...s }));
  const fields: Decision['fields'] = {};
  const flowOf = (step: StepRecord) => flows.find((f) => f.step === step.stepNumber) as Flow;
  let justEnded: { step: StepRecord; result?: ExecutorResult } | undefined;

  const target = recorded ? steps.find((s) => s.id === recorded.stepId) : undefined;
  // A result is recorded once: a retried Advance finds the step already ended and moves on.
  if (target && recorded && (target.status === 'pending' || target.status === 'running')) {
    target.finishedDate = now;
    target.startedDate ??= now;
    if ('executed' in recorded) {
      const result = recorded.executed;
      target.status = result.status;
      if (result.resources) target.resources = result.resources;
      if (result.commitId) fields.commitId = result.commitId;
      if (isPlan(target.type) && result.status === 'completed' && result.planChanges !== undefined) {
        fields.planChanges = result.planChanges;
        fields.terraformPlan = result.planChanges ? `plans/${job.organizationId}/${job.id}/${target.id}.tfplan` : null;
      }
      fields.output = appendOutput(job.output, `${target.name}: ${result.message}`);
      justEnded = { step: target, result };
    } else {
      target.status = 'completed';
      fields.output = appendOutput(job.output, `${target.name}: approved`);
      justEnded = { step: target };
    }
  }

  if (justEnded?.step.status === 'failed' && !flowOf(justEnded.step).ignoreError) {
    return { steps, fields, next: { kind: 'finish', status: 'failed', reason: `${justEnded.step.name} failed: ${justEnded.result?.message ?? 'error'}` } };
  }
  if (justEnded && isPlan(justEnded.step.type) && justEnded.result?.planChanges === false) {
    return { steps, fields, next: { kind: 'finish', status: 'completed', reason: 'no changes' } };
  }

  // A step still running with no result to record: its run was restarted (engine restart, retried task).
  const interrupted = steps.find((s) => s.status === 'running' && s.id !== justEnded?.step.id);
  if (interrupted) {
    if (interrupted.type === 'approval') return { steps, fields, next: { kind: 'approve', step: interrupted, flow: flowOf(interrupted) } };
    Object.assign(interrupted, { status: 'failed', finishedDate: now });
    const reason = `${interrupted.name} was interrupted before it finished; run the job again`;
    return { steps, fields: { ...fields, output: appendOutput(fields.output ?? job.output, reason) }, next: { kind: 'finish', status: 'failed', reason } };
  }

  for (const step of steps) {
    if (step.status !== 'pending') continue;
    const flow = flowOf(step);
    if (flow.type === 'approval') {
      if (job.autoApply) {
        Object.assign(step, { status: 'completed', startedDate: now, finishedDate: now });
        fields.output = appendOutput(fields.output ?? job.output, `${step.name}: approved automatically (autoApply)`);
        continue;
      }
      return { steps, fields, next: { kind: 'approve', step, flow } };
    }
    return { steps, fields, next: { kind: 'execute', step, flow } };
  }
  return { steps, fields, next: { kind: 'finish', status: 'completed', reason: 'all steps completed' } };
}

/** The plan an apply step applies: the latest plan step before it that saved changes. */
export function planStepFor(steps: StepRecord[], apply: StepRecord, planChanges: boolean): StepRecord | undefined {
  if (!planChanges) return undefined;
  return steps.filter((s) => isPlan(s.type) && s.status === 'completed' && s.stepNumber < apply.stepNumber).sort((a, b) => b.stepNumber - a.stepNumber)[0];
}

export const runsTerraform = (type: string) => (TERRAFORM_FLOW_TYPES as readonly string[]).includes(type);
