/**
 * Approve or reject a job waiting in an approval step: the PATCH settles the task token the
 * AwaitApproval task left on the job (run-tasks/await-approval.ts; contract §3.2, §4.5).
 */
import { Conflict, pointer } from '../domain/errors';
import type { JobRecord } from '../domain/records';
import { RUNNER_IDENTITY } from '../runs/run-state';
import { planUpdateJobIfStatus } from '../store/repositories/jobs';
import { planLastJob } from '../store/repositories/workspace-queue';
import { commit, ConditionFailed } from '../store/repositories/batch';
import { runControl } from '../wiring';
import { finishJob, JobAlreadyEnded } from './finish-job';

/** PATCH status=approved: the run continues with the next step. */
export async function approve(job: JobRecord, by: string): Promise<void> {
  const token = job.taskToken;
  if (job.status !== 'waitingApproval' || !token) throw new Conflict(`the job is ${job.status}, not waitingApproval`, pointer('/data/attributes/status'));
  const now = new Date().toISOString();
  const steps = job.steps.map((s) => (s.type === 'approval' && s.status === 'running' ? { ...s, status: 'completed' as const, finishedDate: now } : s));
  try {
    await commit([
      planUpdateJobIfStatus(job, { status: 'approved', steps, updatedBy: by, updatedDate: now }, { remove: ['taskToken'] }),
      planLastJob(job.workspaceId, { status: 'approved', at: now }),
    ]);
  } catch (error) {
    if (error instanceof ConditionFailed) throw new Conflict('the job changed while it was being approved; read it again', pointer('/data/attributes/status'));
    throw error;
  }
  if ((await runControl().resume(token, { decision: 'approved' })) === 'expired') {
    // The run is gone (its approval wait timed out meanwhile): end the job rather than leave it approved.
    await finishJob(
      { ...job, status: 'approved', steps },
      { status: 'failed', stepStatus: () => 'notExecuted', output: 'the approval arrived after the run had ended', updatedBy: RUNNER_IDENTITY },
    ).catch((e) => {
      if (!(e instanceof JobAlreadyEnded)) throw e;
    });
    throw new Conflict('the approval window had already closed; the job failed', pointer('/data/attributes/status'));
  }
}

/** PATCH status=rejected: the job ends rejected and its workspace is freed. */
export async function reject(job: JobRecord, by: string): Promise<void> {
  const token = job.taskToken;
  if (job.status !== 'waitingApproval') throw new Conflict(`the job is ${job.status}, not waitingApproval`, pointer('/data/attributes/status'));
  try {
    await finishJob(job, {
      status: 'rejected',
      stepStatus: (s) => (s.type === 'approval' && s.status === 'running' ? 'failed' : 'notExecuted'),
      output: job.output ? `${job.output}\nrejected by ${by}` : `rejected by ${by}`,
      updatedBy: by,
    });
  } catch (error) {
    if (error instanceof JobAlreadyEnded) throw new Conflict(error.message, pointer('/data/attributes/status'));
    throw error;
  }
  // Let the waiting run end now (Advance sees the job ended); a lost token just times out harmlessly.
  if (token) await runControl().resume(token, { decision: 'rejected' });
}
