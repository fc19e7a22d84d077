/** The executor started a step: the job and the step become running (contract §3.2 statuses). */
import type { JobRecord } from '../domain/records';
import { planStepStarted, readJob } from '../store/repositories/jobs';
import { planLastJob } from '../store/repositories/workspace-queue';
import { commit, ConditionFailed } from '../store/repositories/batch';
import { jobMetrics } from '../observability/metrics';

/**
 * `at`: when the step was handed to the executor; `dispatched`: the job as Advance wrote it when it
 * dispatched the step (both when the caller knows them, as the local engine does). The write is
 * conditional on the job still being queued with this step pending, so a job changed since (a cancel)
 * keeps its newer state either way, and no read is needed first.
 */
export async function stepStarted(organizationId: string, jobId: number, stepId: string, at?: Date, dispatched?: JobRecord): Promise<void> {
  const job = dispatched?.id === jobId && dispatched.organizationId === organizationId ? dispatched : await readJob(organizationId, jobId);
  const index = job?.steps.findIndex((s) => s.id === stepId) ?? -1;
  if (!job || index < 0 || job.status !== 'queue') return;
  try {
    const now = (at ?? new Date()).toISOString();
    await commit([planStepStarted(job, index, stepId, now), planLastJob(job.workspaceId, { status: 'running', at: now })]);
    if (!job.steps.some((s) => s.startedDate)) jobMetrics.started(job); // the job's first step: the job started
  } catch (error) {
    // Cancelled or already ended meanwhile: the newer state stands.
    if (!(error instanceof ConditionFailed)) throw error;
  }
}
