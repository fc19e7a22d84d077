/** The executor started a step: the job and the step become running (contract §3.2 statuses). */
import { planStepStarted, readJob } from '../store/repositories/jobs';
import { planLastJob } from '../store/repositories/workspace-queue';
import { commit, ConditionFailed } from '../store/repositories/batch';
import { jobMetrics } from '../observability/metrics';

/** `at`: when the step was handed to the executor, when the caller knows it (the local engine does). */
export async function stepStarted(organizationId: string, jobId: number, stepId: string, at?: Date): Promise<void> {
  const job = await readJob(organizationId, jobId);
  const index = job?.steps.findIndex((s) => s.id === stepId) ?? -1;
  if (!job || index < 0 || job.status !== 'queue') return;
  try {
    const now = (at ?? new Date()).toISOString();
    await commit([planStepStarted(job, index, stepId, now), planLastJob(job.workspaceId, { status: 'running', at: now })]);
    jobMetrics.started(job);
  } catch (error) {
    // Cancelled or already ended meanwhile: the newer state stands.
    if (!(error instanceof ConditionFailed)) throw error;
  }
}
