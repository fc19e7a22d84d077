/**
 * Conditional writes of the workspace queue (see domain/workspace-queue.ts for the rules). The write is
 * returned as a transaction item so callers can commit it atomically with the job change that caused it.
 */
import { applyQueueChange, queueStateOf, type QueueChange, type QueueState } from '../domain/workspace-queue';
import type { WorkspaceRecord } from '../domain/records';
import { keys } from '../store/keys';
import { getItem, ConditionFailed } from '../store/table';
import { update, write, type Condition } from '../store/writes';
import type { TxItem } from '../store/table';

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

export function queueWrite(workspace: Pick<WorkspaceRecord, 'id'> & Partial<WorkspaceRecord> & { queueVersion?: number }, change: QueueChange): QueueWrite {
  const current = queueStateOf(workspace);
  const { state, start } = applyQueueChange(current, change);
  const write = update(
    keys.workspace(workspace.id),
    { queue: state.queue, queueVersion: state.queueVersion, ...(state.activeJob !== undefined ? { activeJob: state.activeJob } : {}) },
    { condition: stateCondition(current), remove: state.activeJob === undefined ? ['activeJob'] : [] },
  );
  return { write, start };
}

/** The write that adds a new job to its workspace, to commit with the job itself. */
export function enqueueJob(workspace: WorkspaceRecord, jobId: number): QueueWrite {
  return queueWrite(workspace, { add: jobId });
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
    const next = queueWrite({ ...(item as object), id: workspaceId } as WorkspaceRecord, change);
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
