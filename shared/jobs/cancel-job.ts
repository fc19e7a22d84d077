/**
 * Cancelling a job (contract §4, point 6): the same signature as branch i19's cancel-job.ts (take that one on merge):
 * steps, and its run is stopped (the running terraform gets an interrupt, then a kill). The Jobs API's
 * PATCH and the TFE API's run cancel both come here. Throws JobAlreadyEnded when it had ended.
 */
import type { JobRecord } from '../domain/records';
import { runControl } from '../wiring';
import { finishJob } from './finish-job';

export async function cancelJob(job: JobRecord, by: string, extra: Partial<JobRecord>): Promise<void> {
  await finishJob(job, { status: 'cancelled', stepStatus: () => 'cancelled', updatedBy: by, extra });
  await runControl().stop({ organizationId: job.organizationId, jobId: job.id });
}
