/**
 * Failure paths of a run (contract §4.8): a task that failed or timed out (RecordFailure), and an
 * execution that ended without finishing its job (timed out, aborted, crashed). Either way the job
 * ends failed with the reason in its output and its workspace is freed. A job that already ended is
 * left as it is, so a late failure after a cancel changes nothing.
 */
import { Conflict } from '../domain/errors';
import type { StepRecord } from '../domain/records';
import { isTerminal } from '../domain/job-status';
import { finishJob, JobAlreadyEnded, releaseWorkspaceOf } from '../jobs/finish-job';
import { readJob } from '../store/repositories/jobs';
import { logger } from '../logger';
import { approvalTimeoutSeconds, stepTimeoutSeconds } from '../wiring';
import { RUNNER_IDENTITY, type RunState } from '../runs/run-state';
import { recordExportedBoundary, recordSavedState } from './recorded';

export function failureReason(state: RunState): string {
  const error = state.error?.Error ?? 'Error';
  const step = state.step?.name ?? 'the run';
  if (state.action === 'execute') {
    return error === 'States.Timeout' ? `${step} timed out after ${stepTimeoutSeconds()}s` : `${step}: the executor failed (${error})`;
  }
  if (state.action === 'approve') {
    return error === 'States.Timeout' ? `${step}: no approval within ${approvalTimeoutSeconds()}s` : `${step}: waiting for approval failed (${error})`;
  }
  return `the run failed (${error})`;
}

/** Ends a job failed unless it already ended (then its run is over: the workspace it may still hold goes on). */
export async function failJob(organizationId: string, jobId: number, reason: string): Promise<boolean> {
  for (let attempt = 1; attempt <= 5; attempt++) {
    const job = await readJob(organizationId, jobId);
    if (!job) return false;
    if (isTerminal(job.status)) {
      await releaseWorkspaceOf(job);
      return false;
    }
    try {
      await finishJob(job, {
        status: 'failed',
        stepStatus: (s: StepRecord) => (s.status === 'running' ? 'failed' : 'notExecuted'),
        output: job.output ? `${job.output}\n${reason}` : reason,
        updatedBy: RUNNER_IDENTITY,
      });
      logger.warn('job failed', { organizationId, jobId, reason });
      return true;
    } catch (error) {
      if (error instanceof JobAlreadyEnded) continue; // ended meanwhile: read again, and hand its workspace on
      if (!(error instanceof Conflict)) throw error;
    }
  }
  throw new Error(`job ${jobId}: could not record its failure`);
}

/** The RecordFailure task. */
export async function recordFailure(state: RunState): Promise<{ failed: boolean }> {
  // A chained plan's result that no Advance recorded (Advance failed after the build) still counts.
  await recordExportedBoundary(state).catch((error: Error) => logger.error('a chained plan could not be recorded', { organizationId: state.organizationId, jobId: state.jobId, error: error.name }));
  await recordSavedState(state).catch((error: Error) => logger.error('a saved state could not be recorded', { organizationId: state.organizationId, jobId: state.jobId, error: error.name }));
  return { failed: await failJob(state.organizationId, state.jobId, failureReason(state)) };
}

/** An execution ended (EventBridge in AWS, the engine locally) without ending its job. */
export async function executionEnded(event: { organizationId: string; jobId: number; status: string }): Promise<void> {
  await failJob(event.organizationId, event.jobId, `the run ended unexpectedly (${event.status})`);
}
