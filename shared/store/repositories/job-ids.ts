/**
 * The organization's job id counter (ORG#<org>/JOBSEQ): `lastJobId` (ids reserved, by atomic ADD),
 * `committedJobId` (the commit watermark, moved from id-1 to id in the transaction that writes the job)
 * and `abandonedJobIds` (ids whose creation failed after reserving them). The waiting and skipping
 * built on it is jobs/commit-watermark.ts.
 */
import { keys } from '../keys';
import { getItem, ref, type Ref } from '../table';
import { check, conditions, put, updateReturning, type TxItem } from '../writes';

export interface JobCounter {
  lastJobId?: number;
  committedJobId?: number;
  abandonedJobIds?: Set<number>;
}

/** A new organization's counter, written with the organization. */
export const planCreateJobCounter = (org: string): TxItem => put({ ...keys.jobCounter(org), lastJobId: 0, committedJobId: 0 }, conditions.absent);

/** The organization's next job id (1, 2, 3 …): an atomic counter, never contended. */
export const reserveJobId = (org: string): Promise<number> => reserveJobIds(org, 1);

/**
 * The organization's next `count` job ids in one request (a group commit reserves one per job): the
 * counter's new value is the last of them, so they are last-count+1 … last.
 */
export async function reserveJobIds(org: string, count: number): Promise<number> {
  const attributes = await updateReturning(
    { item: { Update: { Key: keys.jobCounter(org), UpdateExpression: 'ADD lastJobId :count', ExpressionAttributeValues: { ':count': count } } } },
    'UPDATED_NEW',
  );
  return Number(attributes.lastJobId);
}

/** The counter, read beside what a creation reads anyway (the next id may then be taken without a reservation). */
export const jobCounterRef = (org: string): Ref<JobCounter> => ref<JobCounter>(keys.jobCounter(org));

/**
 * The id after the last one when no creation is in flight (every reserved id committed, none abandoned
 * waiting to be skipped): a creation may then take it in its own transaction (planTakeNextJobId).
 */
export function nextFreeJobId(counter: JobCounter | undefined): number | undefined {
  if (counter?.lastJobId === undefined || counter.committedJobId !== counter.lastJobId || (counter.abandonedJobIds?.size ?? 0) > 0) return undefined;
  return Number(counter.lastJobId) + 1;
}

/** Reserves and commits `id` in one write, only if the counter is still where it was read (nothing reserved since). */
export function planTakeNextJobId(org: string, id: number): TxItem {
  return {
    item: {
      Update: {
        Key: keys.jobCounter(org),
        UpdateExpression: 'SET lastJobId = :id, committedJobId = :id',
        ConditionExpression: 'lastJobId = :before AND committedJobId = :before',
        ExpressionAttributeValues: { ':id': id, ':before': id - 1 },
      },
    },
  };
}

export const readJobCounter = async (org: string) => (await getItem(keys.jobCounter(org))) as JobCounter | undefined;

/** Marks an id abandoned unless it was committed after all (then ConditionFailed); answers the counter as it is now. */
export async function markJobIdAbandoned(org: string, id: number): Promise<JobCounter> {
  return (await updateReturning({
    item: {
      Update: {
        Key: keys.jobCounter(org),
        UpdateExpression: 'ADD abandonedJobIds :ids',
        ConditionExpression: 'attribute_not_exists(committedJobId) OR committedJobId < :id',
        ExpressionAttributeValues: { ':ids': new Set([id]), ':id': id },
      },
    },
  })) as JobCounter;
}

/** Moves the watermark from `from` to `to` (conditional on it being at `from`), forgetting those abandoned ids. */
export function planMoveWatermark(org: string, from: number, to: number, forget: number[] = []): TxItem {
  return {
    item: {
      Update: {
        Key: keys.jobCounter(org),
        UpdateExpression: `SET committedJobId = :to${forget.length ? ' DELETE abandonedJobIds :forget' : ''}`,
        ConditionExpression: 'committedJobId = :from OR (attribute_not_exists(committedJobId) AND :from = :zero)',
        ExpressionAttributeValues: { ':to': to, ':from': from, ':zero': 0, ...(forget.length ? { ':forget': new Set(forget) } : {}) },
      },
    },
  };
}

/** A check that no job was written under this id (a skipped id is a gap). */
export const planNoJobAt = (org: string, id: number, failed: () => Error): TxItem => check(keys.job(org, id), conditions.absent, failed);
