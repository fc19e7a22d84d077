/**
 * Approval steps: the AwaitApproval task parks the job in waitingApproval with the task token on it;
 * an approve or reject PATCH settles the token (contract §3.2, §4.5).
 */
import { Conflict, pointer } from '../domain/errors';
import type { JobRecord } from '../domain/records';
import { finishJob, JobAlreadyEnded } from '../jobs/finish-job';
import { readJob, updateJobIfStatus } from '../jobs/job-writes';
import { jobRunner } from '../jobs/runner';
import { isTerminal } from '../domain/job-status';
import { ConditionFailed } from '../store/table';
import { write } from '../store/writes';
import { RUNNER_IDENTITY, type ApprovalTaskInput } from './run-state';

/** The AwaitApproval task (called with the state machine's task token). */
export async function awaitApproval(input: ApprovalTaskInput): Promise<void> {
  for (let attempt = 1; attempt <= 10; attempt++) {
    const job = await readJob(input.organizationId, input.jobId);
    // An ended job's run is being stopped; nothing waits for this token.
    if (!job || isTerminal(job.status)) return;
    const now = new Date().toISOString();
    const steps = job.steps.map((s) => (s.id === input.stepId ? { ...s, status: 'running' as const, startedDate: now } : s));
    try {
      await write([
        updateJobIfStatus(job, {
          status: 'waitingApproval',
          approvalTeam: input.team,
          taskToken: input.token,
          steps,
          updatedBy: RUNNER_IDENTITY,
          updatedDate: now,
        }),
      ]);
      return;
    } catch (error) {
      if (!(error instanceof ConditionFailed)) throw error;
    }
  }
  throw new Error(`job ${input.jobId}: could not record the approval wait`);
}

type Waiting = JobRecord & { taskToken?: string };

/** PATCH status=approved: the run continues with the next step. */
export async function approve(job: Waiting, by: string): Promise<void> {
  const token = job.taskToken;
  if (job.status !== 'waitingApproval' || !token) throw new Conflict(`the job is ${job.status}, not waitingApproval`, pointer('/data/attributes/status'));
  const now = new Date().toISOString();
  const steps = job.steps.map((s) => (s.type === 'approval' && s.status === 'running' ? { ...s, status: 'completed' as const, finishedDate: now } : s));
  try {
    await write([updateJobIfStatus(job, { status: 'approved', steps, updatedBy: by, updatedDate: now }, { remove: ['taskToken'] })]);
  } catch (error) {
    if (error instanceof ConditionFailed) throw new Conflict('the job changed while it was being approved; read it again', pointer('/data/attributes/status'));
    throw error;
  }
  if ((await jobRunner().resume(token, { decision: 'approved' })) === 'expired') {
    // The run is gone (its approval wait timed out meanwhile): end the job rather than leave it approved.
    await finishJob({ ...job, status: 'approved', steps }, { status: 'failed', stepStatus: () => 'notExecuted', output: 'the approval arrived after the run had ended', updatedBy: RUNNER_IDENTITY }).catch((e) => {
      if (!(e instanceof JobAlreadyEnded)) throw e;
    });
    throw new Conflict('the approval window had already closed; the job failed', pointer('/data/attributes/status'));
  }
}

/** PATCH status=rejected: the job ends rejected and its workspace is freed. */
export async function reject(job: Waiting, by: string): Promise<void> {
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
  if (token) await jobRunner().resume(token, { decision: 'rejected' });
}
