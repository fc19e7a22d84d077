/**
 * The DynamoDB floor of a job's start: what the first Advance must send before the first step can be
 * handed over — one round of reads (the job, its workspace's partition, its template, side by side)
 * and one transaction (the job queued with its steps, the workspace's last job) — sent raw to the
 * same DynamoDB Local, on copies of a real job's items, one after the other. `jobStartMs` cannot go
 * below this on this machine; the rest of it is the service's own work.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
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
  try {
    const job = (await client.send(new GetCommand({ TableName: table, Key: keys.job(org, jobId), ConsistentRead: true }))).Item;
    if (!job) throw new Error(`job ${jobId} not found for the DynamoDB floor`);
    const workspace = (await client.send(new GetCommand({ TableName: table, Key: keys.workspace(String(job.workspaceId)), ConsistentRead: true }))).Item;
    if (!workspace) throw new Error('workspace not found for the DynamoDB floor');
    // Copies under partitions of their own, with the same attributes (and so the same index entries).
    const scratch = crypto.randomUUID();
    const jobKey = { pk: `ORG#floor-${scratch}`, sk: job.sk as string };
    const wsKey = { pk: `WS#floor-${scratch}`, sk: 'WS' };
    await client.send(new TransactWriteCommand({ TransactItems: [{ Put: { TableName: table, Item: { ...job, ...jobKey } } }, { Put: { TableName: table, Item: { ...workspace, ...wsKey } } }] }));
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
                UpdateExpression: 'SET #s = :s, steps = :steps, updatedDate = :at',
                ConditionExpression: 'attribute_exists(pk)',
                ExpressionAttributeNames: { '#s': 'status' },
                ExpressionAttributeValues: { ':s': status, ':steps': job.steps ?? [], ':at': new Date().toISOString() },
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
    client.destroy();
  }
}
