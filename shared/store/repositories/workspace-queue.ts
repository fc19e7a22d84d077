/**
 * Conditional writes of the workspace queue, which lives on the workspace item (see
 * domain/workspace-queue.ts for the rules). Writes are planned as TxItems so callers commit them
 * atomically with the job change that caused them.
 */
import { applyQueueChange, queueStateOf, type JoinMode, type QueueChange, type QueueState } from '../../domain/workspace-queue';
import type { WorkspaceRecord } from '../../domain/records';
import { keys } from '../keys';
import { getItem } from '../table';
import { ConditionFailed, update, write, type Condition, type TxItem } from '../writes';

/** The job change a queue write records on the workspace: its lastJobStatus and lastJobDate. */
export interface LastJob {
  status: string;
  at: string;
}
const lastJobFields = (last: LastJob | undefined) => (last ? { lastJobStatus: last.status, lastJobDate: last.at } : {});

/** A job changed status without moving the queue: the workspace records it (written in the job's own transaction). */
export function planLastJob(workspaceId: string, last: LastJob): TxItem {
  return update(keys.workspace(workspaceId), lastJobFields(last), { condition: { expression: 'attribute_exists(pk)' } });
}

/**
 * A run's first dispatch shown on the workspace beside the job's own write (not in its transaction):
 * only while the job holds the workspace and the workspace's last job change is still `since` (as the
 * job's creator wrote it, or as read with the job). A change that landed meanwhile (a cancel, another
 * job's creation) is newer than this one and stays; the write then fails with ConditionFailed.
 */
export function planLastJobSince(workspaceId: string, last: LastJob, holder: number, since: { status?: string | null; at?: string | null }): TxItem {
  const values: Record<string, unknown> = { ':holder': holder };
  const parts = ['activeJob = :holder'];
  for (const [attribute, value, name] of [['lastJobStatus', since.status, ':sinceStatus'], ['lastJobDate', since.at, ':sinceAt']] as const) {
    if (value === undefined || value === null) {
      // Never written, or written empty (a new workspace's lastJobDate is null).
      parts.push(`(attribute_not_exists(${attribute}) OR attribute_type(${attribute}, :nullType))`);
      values[':nullType'] = 'NULL';
    } else {
      parts.push(`${attribute} = ${name}`);
      values[name] = value;
    }
  }
  return update(keys.workspace(workspaceId), lastJobFields(last), { condition: { expression: parts.join(' AND '), values } }, () => new ConditionFailed(0));
}

export interface QueueWrite {
  write: TxItem;
  /** The job this write makes active (its run must be started once the write committed). */
  start?: number;
}

function stateCondition(state: QueueState): Condition {
  return {
    expression: 'attribute_exists(pk) AND queueVersion = :qv AND locked = :locked',
    values: { ':qv': state.queueVersion, ':locked': state.locked },
  };
}

/** The queue write of `change` on the workspace as read; it fails (ConditionFailed) if the queue moved since. */
export function queueWrite(workspace: Pick<WorkspaceRecord, 'id'> & Partial<WorkspaceRecord>, change: QueueChange, last?: LastJob): QueueWrite {
  const current = queueStateOf(workspace);
  const { state, start } = applyQueueChange(current, change);
  const write = update(
    keys.workspace(workspace.id),
    { queue: state.queue, queueVersion: state.queueVersion, ...(state.activeJob !== undefined ? { activeJob: state.activeJob } : {}), ...lastJobFields(last) },
    { condition: stateCondition(current), remove: state.activeJob === undefined ? ['activeJob'] : [] },
  );
  return { write, start };
}

/** A live workspace: one soft-deleted (PATCH deleted) takes no new jobs. */
const LIVE = 'attribute_exists(pk) AND (attribute_not_exists(deleted) OR deleted <> :deleted)';

/** A new job's join to its workspace (domain/workspace-queue.ts `joinMode` says which), recording it as the last job change. */
export function joinWrite(workspaceId: string, jobId: number, mode: JoinMode, last?: LastJob): TxItem {
  const key = keys.workspace(workspaceId);
  const bump = 'queueVersion = if_not_exists(queueVersion, :zero) + :one';
  if (mode === 'claim') {
    return update(
      key,
      { activeJob: jobId, ...lastJobFields(last) },
      {
        extraSet: [bump],
        values: { ':zero': 0, ':one': 1 },
        condition: {
          expression: `${LIVE} AND attribute_not_exists(activeJob) AND locked = :false AND (attribute_not_exists(#q) OR size(#q) = :zero)`,
          names: { '#q': 'queue' },
          values: { ':false': false, ':deleted': true },
        },
      },
    );
  }
  return update(
    key,
    lastJobFields(last),
    {
      extraSet: ['#q = list_append(if_not_exists(#q, :empty), :ids)', bump],
      names: { '#q': 'queue' },
      values: { ':empty': [], ':ids': [jobId], ':zero': 0, ':one': 1 },
      condition:
        mode === 'append-while-busy'
          ? { expression: `${LIVE} AND (attribute_exists(activeJob) OR locked = :true)`, values: { ':true': true, ':deleted': true } }
          : { expression: LIVE, values: { ':deleted': true } },
    },
  );
}

/**
 * Applies a change on its own (no job write to pair it with), re-reading until it commits. Returns the
 * job to start, if any. With no change it only settles the workspace: starts the oldest waiting job when
 * the workspace is free and unlocked (after an unlock, or to heal an interrupted hand-over).
 */
export async function changeQueue(workspaceId: string, change: QueueChange = {}): Promise<number | undefined> {
  for (let attempt = 1; attempt <= 50; attempt++) {
    const item = await getItem(keys.workspace(workspaceId));
    if (!item) return undefined;
    const next = queueWrite({ ...(item as object), id: workspaceId }, change);
    const unchanged = next.start === undefined && change.add === undefined && !inQueue(item, change.leave);
    if (unchanged) return undefined;
    try {
      await write([next.write]);
      return next.start;
    } catch (error) {
      if (!(error instanceof ConditionFailed)) throw error;
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(5 * attempt, 50)));
    }
  }
  throw new Error(`workspace ${workspaceId} queue is too contended`);
}

function inQueue(item: Record<string, unknown>, jobId: number | undefined): boolean {
  if (jobId === undefined) return false;
  const state = queueStateOf(item);
  return state.activeJob === jobId || state.queue.includes(jobId);
}
