/**
 * The per-workspace job queue as a pure state change (contract §4.1): one active job at a time,
 * waiting jobs oldest first, a locked workspace starts nothing. Every writer computes the next state
 * from the state it read and writes it conditionally on the read `queueVersion` (and `locked`), so two
 * writers can never both make a job active; the loser re-reads and recomputes.
 */
export interface QueueState {
  activeJob?: number;
  queue: number[];
  locked: boolean;
  queueVersion: number;
}

export interface QueueChange {
  /** A new job joins the end of the queue. */
  add?: number;
  /** A job ended or was cancelled: it leaves the workspace wherever it is. */
  leave?: number;
}

export interface QueueOutcome {
  state: QueueState;
  /** The job that became active through this change: its run must be started. */
  start?: number;
}

export function applyQueueChange(current: QueueState, change: QueueChange): QueueOutcome {
  let activeJob = current.activeJob;
  let queue = [...current.queue];
  if (change.leave !== undefined) {
    if (activeJob === change.leave) activeJob = undefined;
    queue = queue.filter((id) => id !== change.leave);
  }
  if (change.add !== undefined && activeJob !== change.add && !queue.includes(change.add)) queue.push(change.add);
  let start: number | undefined;
  if (activeJob === undefined && !current.locked && queue.length > 0) {
    queue.sort((a, b) => a - b);
    start = queue.shift();
    activeJob = start;
  }
  return { state: { activeJob, queue, locked: current.locked, queueVersion: current.queueVersion + 1 }, start };
}

export function queueStateOf(item: { activeJob?: unknown; queue?: unknown; locked?: unknown; queueVersion?: unknown }): QueueState {
  return {
    activeJob: typeof item.activeJob === 'number' ? item.activeJob : undefined,
    queue: Array.isArray(item.queue) ? item.queue.map(Number) : [],
    locked: item.locked === true,
    queueVersion: typeof item.queueVersion === 'number' ? item.queueVersion : 0,
  };
}

export function sameQueueState(a: QueueState, b: QueueState): boolean {
  return a.activeJob === b.activeJob && a.locked === b.locked && a.queue.length === b.queue.length && a.queue.every((id, i) => id === b.queue[i]);
}

/**
 * How a new job joins its workspace, committed with the job itself. None of these conflict with each
 * other when many jobs are created at once (no read-modify-write of the queue):
 * - claim: the workspace is free, unlocked and nobody waits → the job becomes active at once;
 * - append while busy: the job queues, on condition that the workspace is held or locked at that very
 *   moment, so whoever holds it (its job's end, or the unlock) is bound to hand it over later;
 * - append and settle: anything else (the caller then settles the workspace itself).
 * Every variant bumps queueVersion, so hand-overs computed from an older read are refused and redone.
 */
export type JoinMode = 'claim' | 'append-while-busy' | 'append-and-settle';

export function joinMode(workspace: { activeJob?: unknown; queue?: unknown; locked?: unknown; queueVersion?: unknown }): JoinMode {
  const state = queueStateOf(workspace);
  if (state.activeJob === undefined && !state.locked && state.queue.length === 0) return 'claim';
  if (state.activeJob !== undefined || state.locked) return 'append-while-busy';
  return 'append-and-settle';
}
