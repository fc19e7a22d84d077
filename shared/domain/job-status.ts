/** Job and step statuses and the status changes a caller may ask for (contract §3.2). */
export const JOB_STATUSES = [
  'pending',
  'queue',
  'running',
  'waitingApproval',
  'approved',
  'completed',
  'rejected',
  'cancelled',
  'failed',
] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const STEP_STATUSES = ['pending', 'running', 'completed', 'failed', 'cancelled', 'notExecuted'] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

export const TERMINAL_JOB_STATUSES: ReadonlySet<JobStatus> = new Set(['completed', 'rejected', 'cancelled', 'failed']);
export const isTerminal = (status: JobStatus): boolean => TERMINAL_JOB_STATUSES.has(status);
export const ACTIVE_JOB_STATUSES: readonly JobStatus[] = JOB_STATUSES.filter((s) => !TERMINAL_JOB_STATUSES.has(s));

/** Statuses a PATCH may ask for. */
export const REQUESTABLE_STATUSES = ['approved', 'rejected', 'cancelled'] as const;
export type RequestedStatus = (typeof REQUESTABLE_STATUSES)[number];

/** Why `from` → `to` is not allowed, or undefined when it is. */
export function transitionRefusal(from: JobStatus, to: JobStatus): string | undefined {
  if (to === 'approved' || to === 'rejected') {
    return from === 'waitingApproval' ? undefined : `a job can be ${to} only while it is waitingApproval; it is ${from}`;
  }
  if (to === 'cancelled') {
    return isTerminal(from) ? `the job already ended (${from})` : undefined;
  }
  return `status '${to}' is set by the service, not by a client`;
}
