/**
 * The DynamoDB floor of a job's start: what the first Advance must send before the first step can be
 * handed over — one round of reads (the job, its workspace's partition, its template, side by side)
 * and one transaction (the job queued with its steps, the workspace's last job) — sent raw to the
 * same DynamoDB Local, on copies of a real job's items, one after the other. `jobStartMs` cannot go
 * below this on this machine; the rest of it is the service's own work.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../shared/store/keys';
import { environment } from '../shared/env';
import { median } from './stats';

export interface DispatchFloor {
  /** The reads, p50 (ms). */
  readMs: number;
  /** The transaction, p50 (ms). */
  transactionMs: number;
  /** Reads then transaction, p50 (ms). */
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
    await client.send(new TransactWriteCommand({ TransactItems: [{ Put: { TableName: table, Item: { ...ownIndexes(job), ...jobKey } } }, { Put: { TableName: table, Item: { ...ownIndexes(workspace), ...wsKey } } }] }));
    const reads: number[] = [];
    const writes: number[] = [];
    for (let i = 0; i < iterations; i++) {
      const started = performance.now();
      await Promise.all([
        client.send(new GetCommand({ TableName: table, Key: jobKey, ConsistentRead: true })),
        client.send(new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': wsKey.pk }, ConsistentRead: true })),
        client.send(new GetCommand({ TableName: table, Key: keys.template(org, String(job.templateReference ?? 'none')), ConsistentRead: true })),
      ]);
      const read = performance.now();
      const status = i % 2 === 0 ? 'queue' : 'pending';
      await client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: table,
                Key: jobKey,
                // As a status change does: the status index keys move with it (shared/store/repositories/jobs.ts statusFields).
                UpdateExpression: 'SET #s = :s, steps = :steps, updatedDate = :at, gsi2pk = :g2, gsi3pk = :g3',
                ConditionExpression: 'attribute_exists(pk)',
                ExpressionAttributeNames: { '#s': 'status' },
                ExpressionAttributeValues: {
                  ':s': status,
                  ':steps': job.steps ?? [],
                  ':at': new Date().toISOString(),
                  ':g2': `FLOOR#${scratch}#ORG#STATUS#${status}`,
                  ':g3': `FLOOR#${scratch}#WS#STATUS#${status}`,
                },
              },
            },
            { Update: { TableName: table, Key: wsKey, UpdateExpression: 'SET lastJobStatus = :s, lastJobDate = :at', ExpressionAttributeValues: { ':s': status, ':at': new Date().toISOString() } } },
          ],
        }),
      );
      reads.push(read - started);
      writes.push(performance.now() - read);
    }
    const round1 = (n: number) => Math.round(n * 10) / 10;
    return { readMs: round1(median(reads)), transactionMs: round1(median(writes)), totalMs: round1(median(reads.map((r, i) => r + (writes[i] ?? 0)))), iterations };
  } finally {
    await Promise.all(
      [{ pk: `ORG#floor-${scratch}`, sk: jobSk }, { pk: `WS#floor-${scratch}`, sk: 'WS' }].map((Key) => client.send(new DeleteCommand({ TableName: table, Key })).catch(() => undefined)),
    );
    client.destroy();
  }
}
