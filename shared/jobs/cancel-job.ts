/**
 * Cancelling a job (contract §3.2): it ends cancelled at once, with its remaining steps. A job that
 * may be executing a step (queue: dispatched to the executor; running) keeps its workspace until that
 * step has really stopped: its run interrupts the step (terraform finishes its write and releases the
 * state lock), and the run's last task hands the workspace to the next job. Handing it on first would
 * start the next job beside a build still holding the state lock. Any other job leaves its workspace
 * in the same write, and its run is stopped at once.
 */
import type { JobRecord } from '../domain/records';
import { runControl } from '../wiring';
import { finishJob } from './finish-job';

export async function cancelJob(job: JobRecord, by: string, extra: Partial<JobRecord>): Promise<void> {
  const stepMayRun = job.status === 'queue' || job.status === 'running';
  await finishJob(job, { status: 'cancelled', stepStatus: () => 'cancelled', updatedBy: by, extra, release: stepMayRun ? 'when-run-ends' : 'now' });
  await runControl().stop({ organizationId: job.organizationId, jobId: job.id }, { interruptStep: stepMayRun });
}
