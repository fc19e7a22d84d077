/**
 * The DynamoDB floor of a job's start: what the first Advance of a run its creator handed over sends
 * before the first step can be handed over — the job's write (the moment a client can read it running)
 * beside the workspace's last job and the workspace's partition (its variables) — sent
 * raw to the same DynamoDB Local, on copies of a real job's items, one after the other. `jobStartMs`
 * cannot go below this on this machine; the rest of it is the service's own work.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../shared/store/keys';
import { environment } from '../shared/env';
import { median } from './stats';

export interface DispatchFloor {
  /** The workspace's partition read beside the writes, p50 (ms). */
  readMs: number;
  /** The job's write alone, p50 (ms). */
  jobWriteMs: number;
  /** The job's write and the workspace's, side by side, p50 (ms). */
  writesMs: number;
  /** Both side by side (what the handover waits for), p50 (ms). */
  totalMs: number;
  iterations: number;
}

export async function measureDispatchFloor(org: string, jobId: number, iterations = 60): Promise<DispatchFloor> {
  const table = environment().require('TABLE_NAME');
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
  const scratch = crypto.randomUUID();
  const jobSk = keys.job(org, jobId).sk;
  try {
    const job = (await client.send(new GetCommand({ TableName: table, Key: keys.job(org, jobId), ConsistentRead: true }))).Item;
    if (!job) throw new Error(`job ${jobId} not found for the DynamoDB floor`);
    const workspace = (await client.send(new GetCommand({ TableName: table, Key: keys.workspace(String(job.workspaceId)), ConsistentRead: true }))).Item;
    if (!workspace) throw new Error('workspace not found for the DynamoDB floor');
    // Copies under partitions of their own, with the same attributes and as many index entries, under
    // index partitions of their own too (no listing of the bench's organization sees them); deleted after.
    const jobKey = { pk: `ORG#floor-${scratch}`, sk: jobSk };
    const wsKey = { pk: `WS#floor-${scratch}`, sk: 'WS' };
    const ownIndexes = (item: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(item).map(([k, v]) => [k, /^gsi\dpk$/.test(k) ? `FLOOR#${scratch}#${String(v)}` : v]));
    await client.send(new TransactWriteCommand({ TransactItems: [{ Put: { TableName: table, Item: { ...ownIndexes(job), ...jobKey, status: 'pending' } } }, { Put: { TableName: table, Item: { ...ownIndexes(workspace), ...wsKey } } }] }));
    const reads: number[] = [];
    const jobWrites: number[] = [];
    const writes: number[] = [];
    const totals: number[] = [];
    for (let i = 0; i < iterations; i++) {
      const status = i % 2 === 0 ? 'queue' : 'pending';
      const at = new Date().toISOString();
      const started = performance.now();
      const read = client
        .send(new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': wsKey.pk }, ConsistentRead: true }))
        .then(() => reads.push(performance.now() - started));
      const written = Promise.all([
        client.send(
          new UpdateCommand({
            TableName: table,
            Key: jobKey,
            // As a dispatch does: the status index keys move with it (shared/store/repositories/jobs.ts statusFields).
            UpdateExpression: 'SET #s = :s, steps = :steps, updatedDate = :at, gsi2pk = :g2, gsi3pk = :g3',
            ConditionExpression: '#s = :from',
            ExpressionAttributeNames: { '#s': 'status' },
            ExpressionAttributeValues: {
              ':s': status,
              ':from': i % 2 === 0 ? 'pending' : 'queue',
              ':steps': job.steps ?? [],
              ':at': at,
              ':g2': `FLOOR#${scratch}#ORG#STATUS#${status}`,
              ':g3': `FLOOR#${scratch}#WS#STATUS#${status}`,
            },
          }),
        ).then(() => jobWrites.push(performance.now() - started)),
        client.send(
          new UpdateCommand({
            TableName: table,
            Key: wsKey,
            UpdateExpression: 'SET lastJobStatus = :s, lastJobDate = :at',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: { ':s': status, ':at': at },
          }),
        ),
      ]).then(() => writes.push(performance.now() - started));
      await Promise.all([read, written]);
      totals.push(performance.now() - started);
    }
    const round1 = (n: number) => Math.round(n * 10) / 10;
    return { readMs: round1(median(reads)), jobWriteMs: round1(median(jobWrites)), writesMs: round1(median(writes)), totalMs: round1(median(totals)), iterations };
  } finally {
    await Promise.all(
      [{ pk: `ORG#floor-${scratch}`, sk: jobSk }, { pk: `WS#floor-${scratch}`, sk: 'WS' }].map((Key) => client.send(new DeleteCommand({ TableName: table, Key })).catch(() => undefined)),
    );
    client.destroy();
  }
}
