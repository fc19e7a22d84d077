/** How group commit forms groups (shared/jobs/group-commit.ts): oldest first, conflicts wait a turn, outcomes go to their own member. */
import { describe, expect, it } from 'vitest';
import { commitInGroup, type CanJoin, type Outcome } from '../../shared/jobs/group-commit';

interface Member {
  name: string;
  item: string;
  alone?: boolean;
}
const canJoin: CanJoin<Member> = (group, member) => group.length < 3 && !member.alone && !group[0]?.alone && group.every((m) => m.item !== member.item);

/** A committer whose commits finish when the test says; it records every group it was given. */
function committer(fail: (group: Member[]) => boolean = () => false) {
  const groups: string[][] = [];
  const pending: (() => void)[] = [];
  const commit = (group: Member[]) =>
    new Promise<Outcome<string>[]>((resolve, reject) => {
      groups.push(group.map((m) => m.name));
      pending.push(() =>
        fail(group) ? reject(new Error(`group ${group[0]?.name} failed`)) : resolve(group.map((m) => ({ status: 'fulfilled', value: `${m.name} done` }))),
      );
    });
  const finishNext = async () => {
    while (pending.length === 0) await new Promise((r) => setTimeout(r, 1));
    (pending.shift() as () => void)();
  };
  return { groups, commit, finishNext };
}

/** Starts the first member's commit, then queues the others behind it while it is in flight. */
async function queueBehindFirst<R>(members: Member[], start: (m: Member) => Promise<R>): Promise<Promise<R>[]> {
  const first = start(members[0] as Member);
  await new Promise((r) => setTimeout(r, 5));
  return [first, ...members.slice(1).map(start)];
}

describe('group commit', () => {
  it('a member nobody waits with commits alone at once', async () => {
    const { groups, commit, finishNext } = committer();
    const done = commitInGroup('k1', { name: 'a', item: 'x' }, canJoin, commit);
    await finishNext();
    expect(await done).toBe('a done');
    expect(groups).toEqual([['a']]);
  });

  it('members queued behind a commit go together, oldest first; a second write to one item, a full group or a lone member waits its turn', async () => {
    const { groups, commit, finishNext } = committer();
    const members: Member[] = [
      { name: 'a', item: 'x' },
      { name: 'b', item: 'y' },
      { name: 'c', item: 'y' }, // same item as b
      { name: 'd', item: 'z', alone: true },
      { name: 'e', item: 'w' },
      { name: 'f', item: 'v' }, // the group of b is full (3) by then
      { name: 'g', item: 'u' },
    ];
    const answers = await queueBehindFirst(members, (m) => commitInGroup('k2', m, canJoin, commit));
    for (let i = 0; i < 4; i++) await finishNext();
    expect(await Promise.all(answers)).toEqual(members.map((m) => `${m.name} done`));
    expect(groups).toEqual([['a'], ['b', 'e', 'f'], ['c', 'g'], ['d']]);
  });

  it('a failed commit answers only its own members', async () => {
    const { groups, commit, finishNext } = committer((group) => group[0]?.name === 'b');
    const members = ['a', 'b', 'c', 'd'].map((name) => ({ name, item: name }));
    const answers = await queueBehindFirst(members, (m) => commitInGroup('k3', m, canJoin, commit));
    const settled = Promise.allSettled(answers);
    for (let i = 0; i < 2; i++) await finishNext();
    const outcomes = await settled;
    expect(groups).toEqual([['a'], ['b', 'c', 'd']]);
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as Error).message))).toEqual([
      'a done',
      'group b failed',
      'group b failed',
      'group b failed',
    ]);
  });
});
