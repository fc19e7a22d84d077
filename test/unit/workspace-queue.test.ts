import { describe, expect, it } from 'vitest';
import { applyQueueChange, type QueueState } from '../../shared/domain/workspace-queue';

const state = (s: Partial<QueueState>): QueueState => ({ queue: [], locked: false, queueVersion: 0, ...s });

describe('workspace queue', () => {
  it('starts a new job at once in a free workspace', () => {
    expect(applyQueueChange(state({}), { add: 1 })).toEqual({ state: state({ activeJob: 1, queueVersion: 1 }), start: 1 });
  });

  it('queues behind the active job and hands over oldest first when it leaves', () => {
    let s = applyQueueChange(state({ activeJob: 1 }), { add: 3 }).state;
    s = applyQueueChange(s, { add: 2 }).state;
    expect(s.queue).toEqual([3, 2]);
    const next = applyQueueChange(s, { leave: 1 });
    expect(next.start).toBe(2);
    expect(next.state).toMatchObject({ activeJob: 2, queue: [3] });
  });

  it('holds every job while locked and starts none', () => {
    const out = applyQueueChange(state({ locked: true }), { add: 5 });
    expect(out.start).toBeUndefined();
    expect(out.state).toMatchObject({ activeJob: undefined, queue: [5] });
  });

  it('settles a free, unlocked workspace that still has waiting jobs', () => {
    expect(applyQueueChange(state({ queue: [4, 7] }), {})).toMatchObject({ start: 4, state: { activeJob: 4, queue: [7] } });
  });

  it('removes a cancelled waiting job without touching the active one', () => {
    const out = applyQueueChange(state({ activeJob: 1, queue: [2, 3] }), { leave: 3 });
    expect(out).toEqual({ state: state({ activeJob: 1, queue: [2], queueVersion: 1 }), start: undefined });
  });

  it('bumps the version on every change so concurrent writers conflict', () => {
    expect(applyQueueChange(state({ queueVersion: 41 }), { add: 1 }).state.queueVersion).toBe(42);
  });
});
