/**
 * Job ids when creations fail half-way: a creation that reserved its id and then failed, or whose
 * process died, leaves a gap and never holds up the organization's next job. The counter item is read
 * back to check the watermark and that no abandoned id is left behind.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CommitWatermark, reserveJobId } from '../../shared/jobs/commit-watermark';
import { roundTrips } from '../../shared/store/client';
import { documentClient, useDocumentClient } from '../../shared/wiring';
import { keys } from '../../shared/store/keys';
import { getItem } from '../../shared/store/table';
import { adminToken, useTable } from '../helpers/api';
import { createOrganization, createWorkspace, postJob } from '../helpers/fixtures';

useTable();
let admin: string;
beforeAll(async () => {
  admin = await adminToken();
});
afterEach(() => useDocumentClient(undefined));

/** The next `times` transactions that put a job fail as throttled (after the SDK's own retries). */
function throttleJobTransactions(times: number): void {
  const real = documentClient();
  let left = times;
  const putsAJob = (command: { constructor: { name: string }; input?: { TransactItems?: { Put?: unknown }[] } }) =>
    command.constructor.name === 'TransactWriteCommand' && (command.input?.TransactItems ?? []).some((item) => item.Put);
  useDocumentClient({
    send: (command: Parameters<typeof putsAJob>[0]) =>
      putsAJob(command) && left-- > 0
        ? Promise.reject(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }))
        : real.send(command as never),
  } as unknown as DynamoDBDocumentClient);
}

const counterOf = async (org: string) => (await getItem(keys.jobCounter(org))) as { lastJobId: number; committedJobId: number; abandonedJobIds?: Set<number> };

describe('job ids when creations fail', () => {
  it('a creation that fails with nothing in flight leaves no gap: it took no id, the next creation takes 2 round trips and the next id', async () => {
    const org = await createOrganization(admin);
    const ws = await createWorkspace(admin, org, { locked: true });
    expect((await postJob(admin, org, ws, { command: 'plan' })).body.data.id).toBe('1');

    throttleJobTransactions(5);
    for (let i = 0; i < 5; i++) expect((await postJob(admin, org, ws, { command: 'plan' })).status).toBe(503);
    useDocumentClient(undefined);

    roundTrips.reset();
    const next = await postJob(admin, org, ws, { command: 'plan' });
    expect(next.status).toBe(201);
    expect(next.body.data.id).toBe('2');
    expect(roundTrips.total).toBe(2);
    const counter = await counterOf(org);
    expect(counter).toMatchObject({ lastJobId: 2, committedJobId: 2 });
    expect([...(counter.abandonedJobIds ?? [])]).toEqual([]);
  });

  it('a creation whose counter moved between its read and its write reserves an id instead: no duplicate, no gap', async () => {
    const org = await createOrganization(admin);
    const ws = await createWorkspace(admin, org, { locked: true });
    expect((await postJob(admin, org, ws, { command: 'plan' })).body.data.id).toBe('1');
    // Another process takes id 2 between this creation's read and its transaction (and gives it up).
    const real = documentClient();
    let interposed = false;
    useDocumentClient({
      send: async (command: { constructor: { name: string } }) => {
        if (command.constructor.name === 'TransactWriteCommand' && !interposed) {
          interposed = true;
          await new CommitWatermark(org, await reserveJobId(org)).abandon();
        }
        return real.send(command as never);
      },
    } as unknown as DynamoDBDocumentClient);
    roundTrips.reset();
    const next = await postJob(admin, org, ws, { command: 'plan' });
    expect(next.status).toBe(201);
    expect(next.body.data.id).toBe('3');
    // Its own: the read, the transaction that found the counter moved, the reservation and the transaction
    // (beside the other process's reservation, abandon mark and skip: two UpdateItems and a transaction).
    expect(roundTrips.byCommand).toEqual({ BatchGetItemCommand: 1, UpdateItemCommand: 1 + 2, TransactWriteItemsCommand: 2 + 1 });
    expect(await counterOf(org)).toMatchObject({ lastJobId: 3, committedJobId: 3 });
  });

  it('ids abandoned behind a dead creator are skipped together once the dead one stalls', async () => {
    const org = await createOrganization(admin);
    const ws = await createWorkspace(admin, org, { locked: true });
    const dead = await reserveJobId(org); // its process died: no job, no mark
    const failed = [await reserveJobId(org), await reserveJobId(org), await reserveJobId(org)];
    // Their turn has not come (the dead id is before them), so they can only mark themselves.
    for (const id of failed) await new CommitWatermark(org, id).abandon();
    expect([...((await counterOf(org)).abandonedJobIds ?? [])].sort()).toEqual(failed);

    roundTrips.reset();
    const next = await postJob(admin, org, ws, { command: 'plan' });
    expect(next.status).toBe(201);
    expect(next.body.data.id).toBe(String(dead + failed.length + 1));
    // The job's first try (the mark is behind), two skips (the dead id once it stalled, then the three
    // abandoned ids in one transaction), and the job's commit.
    expect(roundTrips.byCommand.TransactWriteItemsCommand).toBe(4);
    const counter = await counterOf(org);
    expect(counter.committedJobId).toBe(dead + failed.length + 1);
    expect([...(counter.abandonedJobIds ?? [])]).toEqual([]);
  });

  it('an id whose job was written after all is not marked abandoned', async () => {
    const org = await createOrganization(admin);
    const ws = await createWorkspace(admin, org, { locked: true });
    expect((await postJob(admin, org, ws, { command: 'plan' })).body.data.id).toBe('1');
    await new CommitWatermark(org, 1).abandon();
    const counter = await counterOf(org);
    expect(counter.committedJobId).toBe(1);
    expect(counter.abandonedJobIds).toBeUndefined();
    expect((await postJob(admin, org, ws, { command: 'plan' })).body.data.id).toBe('2');
  });
});
