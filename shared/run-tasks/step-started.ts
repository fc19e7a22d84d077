/** The executor started a step: the job and the step become running (contract §3.2 statuses). */
import { keys } from '../store/keys';
import { ConditionFailed } from '../store/table';
import { update, write } from '../store/writes';
import { readJob, statusFields } from '../jobs/job-writes';

export async function stepStarted(organizationId: string, jobId: number, stepId: string): Promise<void> {
  const job = await readJob(organizationId, jobId);
  const index = job?.steps.findIndex((s) => s.id === stepId) ?? -1;
  if (!job || index < 0 || job.status !== 'queue') return;
  const now = new Date().toISOString();
  try {
    await write([
      update(keys.job(organizationId, jobId), { ...statusFields(job, 'running'), updatedDate: now }, {
        extraSet: [`steps[${index}].#st = :running`, `steps[${index}].startedDate = :now`],
        names: { '#st': 'status', '#sid': 'id' },
        values: { ':running': 'running', ':now': now, ':sid': stepId, ':pending': 'pending' },
        condition: {
          expression: `#s = :queue AND steps[${index}].#sid = :sid AND steps[${index}].#st = :pending`,
          names: { '#s': 'status' },
          values: { ':queue': 'queue' },
        },
      }, () => new ConditionFailed(0)),
    ]);
  } catch (error) {
    // Cancelled or already ended meanwhile: the newer state stands.
    if (!(error instanceof ConditionFailed)) throw error;
  }
}
