/**
 * Group commit (shared/jobs/commit-jobs.ts): creations of one organization that queue behind each other
 * in this process share one id reservation and one transaction, and still get the ids, queue order and
 * answers they would have had one by one. Requests are counted by the SDK middleware; the workspace and
 * counter items are read back from DynamoDB Local.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { roundTrips } from '../../shared/store/client';
import { keys } from '../../shared/store/keys';
import { getItem } from '../../shared/store/table';
import { documentClient, useDocumentClient } from '../../shared/wiring';
import { adminToken, call, useTable } from '../helpers/api';
import { createOrganization, createWorkspace, postJob } from '../helpers/fixtures';

useTable();
let admin: string;
beforeAll(async () => {
  admin = await adminToken();
});
afterEach(() => useDocumentClient(undefined));

type Command = { constructor: { name: string }; input?: { TransactItems?: { Put?: unknown; Update?: { Key?: { pk?: string } } }[] } };
const isTransaction = (command: Command) => command.constructor.name === 'TransactWriteCommand';
const jobPuts = (command: Command) => (isTransaction(command) ? (command.input?.TransactItems ?? []).filter((item) => item.Put).length : 0);

/** Runs `before` ahead of sending each command it matches (the service's own client, with a hook). */
function beforeSending(before: (command: Command) => Promise<void>): void {
  const real = documentClient();
  useDocumentClient({ send: async (command: Command) => (await before(command), real.send(command as never)) } as unknown as DynamoDBDocumentClient);
}

const workspaceItem = async (ws: string) => (await getItem(keys.workspace(ws))) as { activeJob?: number; queue?: number[] };
const counterOf = async (org: string) => (await getItem(keys.jobCounter(org))) as { lastJobId: number; committedJobId: number; abandonedJobIds?: Set<number> };
const patchWorkspace = (org: string, ws: string, attributes: object) =>
  call('PATCH', `/api/v1/organization/${org}/workspace/${ws}`, { token: admin, body: { data: { type: 'workspace', id: ws, attributes } } });

describe('group commit of concurrent creations in one organization', () => {
  it('40 creations over 8 workspaces: all created, contiguous ids, each queue in id order, far fewer transactions than jobs', async () => {
    const org = await createOrganization(admin);
    // Six locked workspaces (every job waits in the queue) and two free ones (the first job claims it).
    const locked = await Promise.all(Array.from({ length: 6 }, () => createWorkspace(admin, org, { locked: true })));
    const free = [await createWorkspace(admin, org), await createWorkspace(admin, org)];
    const targets = Array.from({ length: 40 }, (_, i) => [...locked, ...free][i % 8] as string);

    roundTrips.reset();
    const answers = await Promise.all(targets.map((ws) => postJob(admin, org, ws, { command: 'plan' })));
    const transactions = roundTrips.byCommand.TransactWriteItemsCommand ?? 0;
    expect(answers.map((a) => a.status)).toEqual(Array(40).fill(201));
    const ids = answers.map((a) => Number(a.body.data.id));
    expect([...ids].sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(await counterOf(org)).toMatchObject({ lastJobId: 40, committedJobId: 40 });
    // 40 alone would take 40 reservations and 40 transactions.
    expect(transactions).toBeLessThanOrEqual(20);
    expect(roundTrips.byCommand.UpdateItemCommand ?? 0).toBeLessThanOrEqual(20);

    const idsOf = (ws: string) => ids.filter((_, i) => targets[i] === ws).sort((a, b) => a - b);
    for (const ws of locked) expect((await workspaceItem(ws)).queue).toEqual(idsOf(ws));
    for (const ws of free) {
      const [first, ...rest] = idsOf(ws);
      expect(await workspaceItem(ws)).toMatchObject({ activeJob: first, queue: rest });
    }

    // A lone creation afterwards, with nothing in flight: the batch read (with the counter) and one transaction taking the next id.
    roundTrips.reset();
    const next = await postJob(admin, org, locked[0] as string, { command: 'plan' });
    expect(next.body.data.id).toBe('41');
    expect(roundTrips.byCommand).toEqual({ BatchGetItemCommand: 1, TransactWriteItemsCommand: 1 });
  });

  it('a member whose workspace changed meanwhile gets its own answer; the others commit', async () => {
    const org = await createOrganization(admin);
    const first = await createWorkspace(admin, org, { locked: true });
    const others = await Promise.all(Array.from({ length: 4 }, () => createWorkspace(admin, org, { locked: true })));
    const deleted = await createWorkspace(admin, org); // deleted between its creation's read and the group's commit
    const lockedMeanwhile = await createWorkspace(admin, org); // free when read (the job would claim it), then locked
    const grouped = [...others, deleted, lockedMeanwhile];

    // The first creation's transaction is held until the others have read and queued behind it, so
    // they form one group; just before that group's transaction, the two workspaces change.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let reads = 0;
    let holding = false;
    const changes: number[] = [];
    beforeSending(async (command) => {
      if (command.constructor.name === 'BatchGetCommand' && ++reads === 1 + grouped.length) setTimeout(release, 50);
      if (jobPuts(command) === 1 && !holding) {
        holding = true;
        await held;
      }
      if (jobPuts(command) > 1 && changes.length === 0) {
        changes.push(0);
        changes.push((await patchWorkspace(org, deleted, { deleted: true })).status, (await patchWorkspace(org, lockedMeanwhile, { locked: true })).status);
      }
    });

    const firstAnswer = postJob(admin, org, first, { command: 'plan' });
    while (reads === 0) await new Promise((r) => setTimeout(r, 5));
    const answers = await Promise.all([firstAnswer, ...grouped.map((ws) => postJob(admin, org, ws, { command: 'plan' }))]);
    useDocumentClient(undefined);
    expect(changes).toEqual([0, 204, 204]);

    const statusOf = (ws: string) => answers[[first, ...grouped].indexOf(ws)]?.status;
    expect(grouped.map(statusOf)).toEqual([201, 201, 201, 201, 404, 201]);
    expect(answers[0]?.status).toBe(201);
    expect(answers[5]?.body.errors[0].detail).toContain('does not exist');
    // Ids 1 (alone) and 2..7 (the group); the deleted workspace's id is the one gap, released at once.
    const ids = answers.filter((a) => a.status === 201).map((a) => Number(a.body.data.id));
    const gap = [1, 2, 3, 4, 5, 6, 7].filter((id) => !ids.includes(id));
    expect(gap).toHaveLength(1);
    expect(await counterOf(org)).toMatchObject({ lastJobId: 7, committedJobId: 7 });
    expect([...((await counterOf(org)).abandonedJobIds ?? [])]).toEqual([]);
    expect((await call('GET', `/api/v1/organization/${org}/job/${gap[0]}`, { token: admin })).status).toBe(404);
    // The workspace locked meanwhile took its job in the queue instead of making it active.
    const lockedJob = Number(answers[6]?.body.data.id);
    expect(await workspaceItem(lockedMeanwhile)).toMatchObject({ queue: [lockedJob] });
    expect((await workspaceItem(lockedMeanwhile)).activeJob).toBeUndefined();
    for (const ws of others) expect((await workspaceItem(ws)).queue).toEqual([Number(answers[[first, ...grouped].indexOf(ws)]?.body.data.id)]);

    roundTrips.reset();
    expect((await postJob(admin, org, first, { command: 'plan' })).body.data.id).toBe('8');
    expect(roundTrips.total).toBe(2);
  });
});
