/**
 * Cancelling a job (contract §4, point 6): it ends `cancelled` at once, with its running and remaining
 * steps, and its run is stopped. The Jobs API's PATCH and the TFE API's run cancel both come here.
 * Throws JobAlreadyEnded when it had ended. (Branch i19 has this file with the same signature and more
 * care for a step still running; on merge, take i19's.)
 */
import type { JobRecord } from '../domain/records';
import { runControl } from '../wiring';
import { finishJob } from './finish-job';

export async function cancelJob(job: JobRecord, by: string, extra: Partial<JobRecord>): Promise<void> {
  await finishJob(job, { status: 'cancelled', stepStatus: () => 'cancelled', updatedBy: by, extra });
  await runControl().stop({ organizationId: job.organizationId, jobId: job.id });
}
