/**
 * The supervisor of `npm start`'s DynamoDB Local (local/dynamodb-supervisor.ts): a process that hangs
 * (SIGSTOP) counts as down once it stops answering, is killed after a while and started again on the
 * same port; one that is killed outright (SIGKILL) comes back on the same data, with every transaction
 * it acknowledged (the transaction barrier, local/transaction-barrier.ts). The fault soak kills one
 * under `npm start`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, ScanCommand, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { restartDelayMs, superviseDynamoDbLocal, type SupervisedDynamoDb } from '../../local/dynamodb-supervisor';
import { transactionBarrier } from '../../local/transaction-barrier';

const dbPath = mkdtempSync(join(tmpdir(), 'terrakube-supervised-'));

let ddb: SupervisedDynamoDb | undefined;
afterAll(async () => {
  await ddb?.stop();
  rmSync(dbPath, { recursive: true, force: true });
});

const until = async (what: string, done: () => boolean, ms = 60_000) => {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe('the DynamoDB Local supervisor', () => {
  it('backs off from an immediate restart to at most 5 s between failing restarts', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 20].map(restartDelayMs)).toEqual([0, 250, 500, 1000, 2000, 4000, 5000, 5000]);
  });

  it('takes a hung DynamoDB Local for down, kills it and starts it again on the same port', async () => {
    ddb = await superviseDynamoDbLocal({ dbPath, probeEveryMs: 200, downAfterProbes: 2, killUnansweringAfterMs: 1500 });
    const changes: boolean[] = [];
    ddb.onChange((up) => changes.push(up));
    const hung = ddb.pid() as number;
    process.kill(hung, 'SIGSTOP');
    await until('down', () => changes.includes(false));
    await until('back', () => changes.at(-1) === true && ddb?.isUp() === true);
    expect(ddb.pid()).not.toBe(hung);
    expect(ddb.restarts()).toBe(1);
    const answer = await fetch(ddb.endpoint, { method: 'POST' });
    expect(answer.status).toBeGreaterThan(0);
    expect(() => process.kill(hung, 0)).toThrow();
  }, 90_000);

  it('brings a killed DynamoDB Local back on the same data, with every transaction it acknowledged', async () => {
    const supervised = ddb as SupervisedDynamoDb;
    const client = new DynamoDBClient({ endpoint: supervised.endpoint });
    const TableName = 'durable';
    const keys = [
      { AttributeName: 'pk', KeyType: 'HASH' as const },
      { AttributeName: 'sk', KeyType: 'RANGE' as const },
    ];
    await client.send(
      new CreateTableCommand({
        TableName,
        KeySchema: keys,
        AttributeDefinitions: keys.map((k) => ({ AttributeName: k.AttributeName, AttributeType: 'S' })),
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    const barrier = transactionBarrier(supervised.endpoint, () => TableName);
    // Four writers, like concurrent requests; the kill lands right after the last acknowledgement.
    const item = (w: number, i: number) => ({ Put: { TableName, Item: { pk: { S: `w${w}` }, sk: { S: String(i) } } } });
    await Promise.all(
      [0, 1, 2, 3].map(async (w) => {
        for (let i = 0; i < 10; i++) {
          await client.send(new TransactWriteItemsCommand({ TransactItems: [item(w, i)] }));
          await barrier();
        }
      }),
    );
    const before = supervised.restarts();
    process.kill(supervised.pid() as number, 'SIGKILL');
    await until('restarted', () => supervised.restarts() > before && supervised.isUp());
    expect((await client.send(new ScanCommand({ TableName }))).Count).toBe(40);
  }, 90_000);
});
