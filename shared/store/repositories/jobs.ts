/**
 * Jobs (ORG#<org>/JOB#<padded id>, steps inside the item). Every write that changes the status rewrites
 * the status index keys (GSI2 ORG#<org>#STATUS#<s>, GSI3 WS#<ws>#STATUS#<s>), so listings by status
 * follow the job. Updates are conditional on the status read, so a cancel in between always wins.
 */
import { ACTIVE_JOB_STATUSES, type JobStatus } from '../../domain/job-status';
import { Conflict, NotFound } from '../../domain/errors';
import type { JobRecord } from '../../domain/records';
import { indexes, keys, partitions } from '../keys';
import { query, queryAll, read, ref, stripKeys, type Ref } from '../table';
import { ConditionFailed, conditions, put, remove, update, type JobStatusChange, type TxItem } from '../writes';

export const jobRef = (org: string, id: number): Ref<JobRecord> => ref(keys.job(org, id));

export const readJob = (org: string, id: number) => read(jobRef(org, id));

const statusFields = (job: Pick<JobRecord, 'organizationId' | 'workspaceId'>, status: JobStatus) => ({
  status,
  ...indexes.jobStatus(job.organizationId, job.workspaceId, status),
});

/** A new job: its item with every index key, written only if the id is free. */
export function planPutJob(job: JobRecord): TxItem {
  return {
    ...put({ ...keys.job(job.organizationId, job.id), ...indexes.job(job.organizationId, job.workspaceId, job.id, job.status), ...job }, conditions.absent),
    jobStatus: statusChange(job, job.status),
  };
}

const statusChange = (job: Pick<JobRecord, 'organizationId' | 'workspaceId' | 'id'>, status: JobStatus): JobStatusChange => ({
  organizationId: job.organizationId,
  workspaceId: job.workspaceId,
  jobId: job.id,
  status,
});

/**
 * Changes a job only if its status is still the one read (ConditionFailed otherwise: a cancel, or
 * another task, came first). A new status brings its index keys along.
 */
export function planUpdateJobIfStatus(job: JobRecord, changes: Partial<JobRecord>, options: { remove?: (keyof JobRecord)[] } = {}): TxItem {
  const withIndexes = changes.status ? { ...changes, ...statusFields(job, changes.status) } : changes;
  const write = update(
    keys.job(job.organizationId, job.id),
    withIndexes,
    { condition: { expression: '#s = :from', names: { '#s': 'status' }, values: { ':from': job.status } }, remove: options.remove },
    () => new ConditionFailed(0),
  );
  return changes.status && changes.status !== job.status ? { ...write, jobStatus: statusChange(job, changes.status) } : write;
}

/** The executor started step `index` of a queued job: job and step become running (only if nothing moved meanwhile). */
export function planStepStarted(job: JobRecord, index: number, stepId: string, now: string): TxItem {
  const write = update(
    keys.job(job.organizationId, job.id),
    { ...statusFields(job, 'running'), updatedDate: now },
    {
      extraSet: [`steps[${index}].#st = :running`, `steps[${index}].startedDate = :now`],
      names: { '#st': 'status', '#sid': 'id' },
      values: { ':running': 'running', ':now': now, ':sid': stepId, ':pending': 'pending' },
      condition: {
        expression: `#s = :queue AND steps[${index}].#sid = :sid AND steps[${index}].#st = :pending`,
        names: { '#s': 'status' },
        values: { ':queue': 'queue' },
      },
    },
    () => new ConditionFailed(0),
  );
  return { ...write, jobStatus: statusChange(job, 'running') };
}

export function planUpdateComments(job: Pick<JobRecord, 'organizationId' | 'id'>, changes: Pick<JobRecord, 'comments' | 'updatedBy' | 'updatedDate'>): TxItem {
  return update(keys.job(job.organizationId, job.id), changes, { condition: conditions.exists }, () => new NotFound(`job ${job.id} does not exist`));
}

/** Only an ended job is deleted; the condition re-checks the status read. */
export function planDeleteEndedJob(job: JobRecord): TxItem {
  return remove(
    keys.job(job.organizationId, job.id),
    { expression: '#s IN (:c, :r, :x, :f)', names: { '#s': 'status' }, values: { ':c': 'completed', ':r': 'rejected', ':x': 'cancelled', ':f': 'failed' } },
    () => new Conflict(`the job is ${job.status}; cancel the job first`),
  );
}

/** A workspace's newest jobs, newest first: one Query of its job index (include=job on a workspace). */
export async function newestJobsOfWorkspace(ws: string, limit: number): Promise<JobRecord[]> {
  const p = partitions.jobsOfWorkspace(ws);
  const page = await query({ index: p.index, KeyConditionExpression: '#pk = :pk', ExpressionAttributeNames: { '#pk': p.pk[0] }, ExpressionAttributeValues: { ':pk': p.pk[1] }, ScanIndexForward: false, Limit: limit });
  return page.items.map((i) => stripKeys<JobRecord>(i));
}

export interface LiveJob {
  organizationId: string;
  workspaceId: string;
  id: number;
  status: string;
}

/** The jobs of these organizations that have not ended: one status-index Query per organization and status, never a Scan. */
export async function listLiveJobs(organizationIds: string[]): Promise<LiveJob[]> {
  const found = await Promise.all(
    organizationIds.flatMap((org) =>
      ACTIVE_JOB_STATUSES.map((status) => {
        const p = partitions.jobsOfOrganizationWithStatus(org, status);
        return queryAll({
          index: p.index,
          KeyConditionExpression: `${p.pk[0]} = :p`,
          ExpressionAttributeValues: { ':p': p.pk[1] },
          ProjectionExpression: 'organizationId, workspaceId, id, #s',
          ExpressionAttributeNames: { '#s': 'status' },
        });
      }),
    ),
  );
  return found.flat() as unknown as LiveJob[];
}

/**
 * The newest job of the organization created at or after `since` whose comments end with `suffix`:
 * the organization's jobs newest first (ids follow creation), 50 per page, stopping at `since`.
 */
export async function findRecentJobByComment(org: string, suffix: string, since: string): Promise<number | undefined> {
  const p = partitions.jobsOfOrganization(org);
  let start: Record<string, unknown> | undefined;
  do {
    const page = await query({
      KeyConditionExpression: `${p.pk[0]} = :p AND begins_with(${p.sk?.[0]}, :s)`,
      ExpressionAttributeValues: { ':p': p.pk[1], ':s': p.sk?.[1] },
      ExpressionAttributeNames: { '#id': 'id' },
      ProjectionExpression: '#id, createdDate, comments',
      ScanIndexForward: false,
      Limit: 50,
      ExclusiveStartKey: start,
    });
    for (const job of page.items) {
      if (String(job.createdDate) < since) return undefined;
      if (typeof job.comments === 'string' && job.comments.endsWith(suffix)) return Number(job.id);
    }
    start = page.lastKey;
  } while (start);
  return undefined;
}

/** A workspace's newest jobs, newest first (the TFE runs list): one Query of its job index. */
export async function listNewestWorkspaceJobs(ws: string, limit: number): Promise<JobRecord[]> {
  const p = partitions.jobsOfWorkspace(ws);
  const page = await query({
    index: p.index,
    KeyConditionExpression: `${p.pk[0]} = :p`,
    ExpressionAttributeValues: { ':p': p.pk[1] },
    ScanIndexForward: false,
    Limit: limit,
  });
  return page.items.map((i) => jobRef('', 0).decode(i));
}
