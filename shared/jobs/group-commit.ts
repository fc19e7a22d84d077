/**
 * Group commit within this process: members of one key (job creations of one organization) take the
 * key's lock in turn (keyed-lock.ts), and whoever's turn comes commits, together with its own member,
 * the others that queued behind the lock meanwhile. Under load the requests per member fall with the
 * queue's length (one id reservation and one transaction for a whole group instead of one each);
 * without contention a member finds nobody waiting and commits alone, exactly as before.
 *
 * Members are taken oldest first; one that cannot join the group being formed (`canJoin` says no:
 * a second write to the same item, a full group) stays for the next turn, so nobody waits more than
 * one group per member ahead of it.
 */
import { withKeyLock } from './keyed-lock';

export type Outcome<R> = PromiseSettledResult<R>;

/** Commits a group (oldest member first) and answers one outcome per member, in the same order. */
export type CommitGroup<M, R> = (group: M[]) => Promise<Outcome<R>[]>;

/**
 * Whether `member` may join `group` (never empty: its first member is the one whose turn it is);
 * `passedOver` are the members before it that could not (a member must not overtake one it conflicts with).
 */
export type CanJoin<M> = (group: readonly M[], member: M, passedOver: readonly M[]) => boolean;

interface Waiting {
  member: unknown;
  taken: boolean;
  settle(outcome: Outcome<unknown>): void;
}

/** Per key, the members that queued for the lock and were not taken into a group yet, oldest first. */
const waiting = new Map<string, Waiting[]>();

/** Answers `member`'s outcome once the group it was committed in (perhaps alone) is done. */
export function commitInGroup<M, R>(key: string, member: M, canJoin: CanJoin<M>, commit: CommitGroup<M, R>): Promise<R> {
  return new Promise<R>((resolve, reject) => {
    const entry: Waiting = {
      member,
      taken: false,
      settle: (outcome) => (outcome.status === 'fulfilled' ? resolve(outcome.value as R) : reject(outcome.reason)),
    };
    const queue = waiting.get(key) ?? [];
    queue.push(entry);
    waiting.set(key, queue);
    void withKeyLock(key, async () => {
      if (entry.taken) return; // an earlier turn committed it in its group
      let group = [entry];
      let outcomes: Outcome<R>[];
      try {
        group = take(key, entry, canJoin as CanJoin<unknown>);
        outcomes = await commit(group.map((g) => g.member as M));
      } catch (reason) {
        outcomes = group.map(() => ({ status: 'rejected', reason }));
      }
      group.forEach((g, i) => g.settle(outcomes[i] ?? { status: 'rejected', reason: new Error('the group commit gave this member no outcome') }));
    });
  });
}

/** Forms the group of `first` (whose turn it is) from the members waiting behind it, and takes them out of the queue. */
function take(key: string, first: Waiting, canJoin: CanJoin<unknown>): Waiting[] {
  // `first` leaves the queue before anything can fail: no later turn may commit it a second time, and
  // the others are marked only once the group is formed (if forming it failed, each keeps its own turn).
  first.taken = true;
  const queue = (waiting.get(key) ?? []).filter((entry) => !entry.taken);
  setQueue(key, queue);
  const group = [first];
  const members = [first.member];
  const passedOver: unknown[] = [];
  for (const entry of queue) {
    if (!canJoin(members, entry.member, passedOver)) {
      passedOver.push(entry.member);
      continue;
    }
    group.push(entry);
    members.push(entry.member);
  }
  for (const entry of group) entry.taken = true;
  const left = queue.filter((entry) => !entry.taken);
  setQueue(key, left);
  return group;
}

function setQueue(key: string, queue: Waiting[]): void {
  if (queue.length) waiting.set(key, queue);
  else waiting.delete(key);
}
