/**
 * The AwaitApproval task (an approval step): parks the job in waitingApproval with the state machine's
 * task token on it, which an approve or reject PATCH settles (jobs/approval.ts; contract §3.2, §4.5).
 */
import { isTerminal } from '../domain/job-status';
import { RUNNER_IDENTITY, type ApprovalTaskInput } from '../runs/run-state';
import { planUpdateJobIfStatus, readJob } from '../store/repositories/jobs';
import { planLastJob } from '../store/repositories/workspace-queue';
import { commit, ConditionFailed } from '../store/repositories/batch';

/** The AwaitApproval task (called with the state machine's task token). */
export async function awaitApproval(input: ApprovalTaskInput): Promise<void> {
  for (let attempt = 1; attempt <= 10; attempt++) {
    const job = await readJob(input.organizationId, input.jobId);
    // Ended meanwhile (cancelled while its last step stopped): nobody will answer a token, so the run
    // goes on at once to the failure task, which hands the workspace on, instead of waiting for one.
    if (!job || isTerminal(job.status)) throw Object.assign(new Error(`the job already ended (${job?.status ?? 'deleted'})`), { name: 'JobAlreadyEnded' });
    const now = new Date().toISOString();
    const steps = job.steps.map((s) => (s.id === input.stepId ? { ...s, status: 'running' as const, startedDate: now } : s));
    try {
      await commit([
        planUpdateJobIfStatus(job, {
          status: 'waitingApproval',
          approvalTeam: input.team,
          taskToken: input.token,
          steps,
          updatedBy: RUNNER_IDENTITY,
          updatedDate: now,
        }),
        planLastJob(job.workspaceId, { status: 'waitingApproval', at: now }),
      ]);
      return;
    } catch (error) {
      if (!(error instanceof ConditionFailed)) throw error;
    }
  }
  throw new Error(`job ${input.jobId}: could not record the approval wait`);
}
