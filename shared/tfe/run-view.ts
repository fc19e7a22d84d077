/**
 * A job seen as a TFE run (pure): the run status terraform waits on, its plan and apply phases (the
 * job's plan step and its apply step), the actions it offers and its timestamps. The mapping follows
 * what terraform's wait loops need (docs: tfe-api research §4):
 * - a job waiting for its turn is `pending`; once its run starts it leaves `pending` at once;
 * - `planned` (waiting for the approval) is confirmable and discardable; approving moves it on;
 * - the apply phase stays pending/queued/running until the apply really ends (terraform streams the
 *   apply log until the phase is terminal);
 * - a plan only, or a plan with no changes, ends `planned_and_finished`.
 */
import { isTerminal } from '../domain/job-status';
import type { JobRecord, ResourceCounts, StepRecord } from '../domain/records';

export type RunStatus =
  | 'pending'
  | 'plan_queued'
  | 'planning'
  | 'planned'
  | 'confirmed'
  | 'apply_queued'
  | 'applying'
  | 'applied'
  | 'planned_and_finished'
  | 'discarded'
  | 'errored'
  | 'canceled';

export type PhaseStatus = 'pending' | 'queued' | 'running' | 'finished' | 'errored' | 'canceled' | 'unreachable';

export interface PhaseView {
  status: PhaseStatus;
  step?: StepRecord;
  resources: ResourceCounts;
  timestamps: Record<string, string>;
}

export interface RunView {
  status: RunStatus;
  hasChanges: boolean;
  isDestroy: boolean;
  plan: PhaseView;
  apply: PhaseView;
  actions: { 'is-cancelable': boolean; 'is-confirmable': boolean; 'is-discardable': boolean; 'is-force-cancelable': boolean };
  timestamps: Record<string, string>;
}

const PLAN_TYPES = new Set(['terraformPlan', 'terraformPlanDestroy']);
const APPLY_TYPES = new Set(['terraformApply', 'terraformDestroy']);
const NO_CHANGES: ResourceCounts = { add: 0, change: 0, destroy: 0, import: 0 };

function stepPhase(step: StepRecord | undefined, job: JobRecord, waiting: PhaseStatus): PhaseStatus {
  if (!step) return isTerminal(job.status) ? (job.status === 'cancelled' ? 'canceled' : job.status === 'failed' ? 'errored' : 'unreachable') : waiting;
  switch (step.status) {
    case 'running':
      return 'running';
    case 'completed':
      return 'finished';
    case 'failed':
      return 'errored';
    case 'cancelled':
      return 'canceled';
    case 'notExecuted':
      return 'unreachable';
    default:
      return isTerminal(job.status) ? 'unreachable' : waiting;
  }
}

function phaseTimestamps(step: StepRecord | undefined, status: PhaseStatus, queuedAt: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (queuedAt) out['queued-at'] = queuedAt;
  if (step?.startedDate) out['started-at'] = step.startedDate;
  if (step?.finishedDate) {
    const key = status === 'errored' ? 'errored-at' : status === 'canceled' ? 'canceled-at' : status === 'unreachable' ? 'unreachable-at' : 'finished-at';
    out[key] = step.finishedDate;
  }
  return out;
}

function runStatus(job: JobRecord, plan?: StepRecord, approval?: StepRecord, apply?: StepRecord): RunStatus {
  switch (job.status) {
    case 'cancelled':
      return 'canceled';
    case 'rejected':
      return 'discarded';
    case 'failed':
      return 'errored';
    case 'completed':
      return apply?.status === 'completed' ? 'applied' : 'planned_and_finished';
    case 'waitingApproval':
      return 'planned';
    case 'approved':
      return 'confirmed';
    default:
      break;
  }
  if (job.steps.length === 0) return job.status === 'pending' ? 'pending' : 'plan_queued';
  if (apply?.status === 'running') return 'applying';
  const planDone = !plan || plan.status === 'completed';
  if (apply?.status === 'pending' && planDone && (!approval || approval.status === 'completed') && job.status === 'queue') return 'apply_queued';
  if (plan?.status === 'pending') return 'plan_queued';
  return 'planning';
}

export function runView(job: JobRecord): RunView {
  const planIndex = job.steps.findIndex((s) => PLAN_TYPES.has(s.type));
  const plan = planIndex >= 0 ? job.steps[planIndex] : undefined;
  const after = job.steps.slice(planIndex + 1);
  const approval = after.find((s) => s.type === 'approval');
  const apply = after.find((s) => APPLY_TYPES.has(s.type));
  const status = runStatus(job, plan, approval, apply);
  const hasChanges = plan?.status === 'completed' && job.planChanges;
  const isDestroy = job.cli?.isDestroy ?? (plan?.type === 'terraformPlanDestroy' || apply?.type === 'terraformDestroy');

  const planStatus = stepPhase(plan, job, job.status === 'pending' ? 'pending' : 'queued');
  const applyWaiting: PhaseStatus = status === 'apply_queued' || status === 'confirmed' ? 'queued' : 'pending';
  // A run with no apply step (a plan only) never applies: unreachable once it ended.
  const applyStatus: PhaseStatus = !apply && (job.steps.length > 0 || job.cli?.speculative) ? (isTerminal(job.status) ? 'unreachable' : 'pending') : stepPhase(apply, job, applyWaiting);

  const timestamps: Record<string, string> = { 'plan-queueable-at': job.createdDate, 'plan-queued-at': job.createdDate };
  if (plan?.startedDate) timestamps['planning-at'] = plan.startedDate;
  if (plan?.status === 'completed' && plan.finishedDate) timestamps[status === 'planned_and_finished' ? 'planned-and-finished-at' : 'planned-at'] = plan.finishedDate;
  if (approval?.status === 'completed' && approval.finishedDate) {
    timestamps['confirmed-at'] = approval.finishedDate;
    timestamps['apply-queued-at'] = approval.finishedDate;
  }
  if (apply?.startedDate) timestamps['applying-at'] = apply.startedDate;
  if (apply?.status === 'completed' && apply.finishedDate) timestamps['applied-at'] = apply.finishedDate;
  const ended = { errored: 'errored-at', canceled: 'canceled-at', discarded: 'discarded-at' } as Partial<Record<RunStatus, string>>;
  const endedKey = ended[status];
  if (endedKey) timestamps[endedKey] = job.updatedDate;

  return {
    status,
    hasChanges,
    isDestroy,
    plan: { status: planStatus, step: plan, resources: plan?.resources ?? NO_CHANGES, timestamps: phaseTimestamps(plan, planStatus, job.createdDate) },
    apply: {
      status: applyStatus,
      step: apply,
      resources: apply?.resources ?? NO_CHANGES,
      timestamps: phaseTimestamps(apply, applyStatus, timestamps['apply-queued-at'] ?? (apply?.startedDate ? plan?.finishedDate : undefined)),
    },
    actions: {
      'is-cancelable': ['pending', 'plan_queued', 'planning', 'confirmed', 'apply_queued', 'applying'].includes(status),
      'is-confirmable': status === 'planned',
      'is-discardable': status === 'pending' || status === 'planned',
      'is-force-cancelable': false,
    },
    timestamps,
  };
}

/** Statuses after which a run changes no more. */
export const FINAL_RUN_STATUSES: ReadonlySet<RunStatus> = new Set(['applied', 'planned_and_finished', 'discarded', 'errored', 'canceled']);
