/**
 * Durable transactions on DynamoDB Local. It answers a TransactWriteItems once the COMMIT is queued, not
 * once it ran (SQLiteDBAccess.commitTransaction hands the COMMIT to its one SQLite thread and does not
 * wait): killed in that moment, it loses a transaction it acknowledged — measured here: the last one,
 * nearly every time. That thread runs its jobs in order, so a read answered after the transaction proves
 * the COMMIT ran. `npm start` (data on disk) sends one after every transaction before the write counts
 * as done, from a client of its own: it is not one of the service's round trips, which are AWS's.
 */
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DYNAMODB_TIMEOUTS } from '../shared/store/client';

export function transactionBarrier(endpoint: string, tableName: () => string): () => Promise<void> {
  const client = new DynamoDBClient({ endpoint, maxAttempts: 4, requestHandler: DYNAMODB_TIMEOUTS });
  const key = { pk: { S: 'BARRIER' }, sk: { S: 'BARRIER' } };
  return async () => {
    await client.send(new GetItemCommand({ TableName: tableName(), Key: key, ConsistentRead: true }));
  };
}
