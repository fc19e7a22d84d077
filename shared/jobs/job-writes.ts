/** Writes of a job that keep its status indexes (GSI2/GSI3) in step with its status. */
import type { JobStatus } from '../domain/job-status';
import type { JobRecord } from '../domain/records';
import { indexes, keys } from '../store/keys';
import { ConditionFailed, getItem, stripKeys, type TxItem } from '../store/table';
import { update } from '../store/writes';

export const statusFields = (job: Pick<JobRecord, 'organizationId' | 'workspaceId'>, status: JobStatus) => ({
  status,
  ...indexes.jobStatus(job.organizationId, job.workspaceId, status),
});

/** Updates a job only if its status is still the one read: a cancel in between wins. */
export function updateJobIfStatus(job: JobRecord, changes: Partial<JobRecord> & Record<string, unknown>, options: { remove?: string[] } = {}): TxItem {
  const withIndexes = changes.status ? { ...changes, ...statusFields(job, changes.status) } : changes;
  return update(
    keys.job(job.organizationId, job.id),
    withIndexes,
    {
      condition: { expression: '#s = :from', names: { '#s': 'status' }, values: { ':from': job.status } },
      remove: options.remove,
    },
    () => new ConditionFailed(0),
  );
}

export async function readJob(organizationId: string, jobId: number): Promise<JobRecord | undefined> {
  const item = await getItem(keys.job(organizationId, jobId));
  return item ? stripKeys<JobRecord>(item) : undefined;
}
