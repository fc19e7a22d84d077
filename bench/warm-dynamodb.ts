/**
 * DynamoDB Local runs on a JVM: until its JIT compiler has seen a few thousand requests of each kind, a
 * transaction takes two to three times as long as it does later (measured here: 20–48 ms against 8–15 ms
 * for a job's dispatch). AWS's DynamoDB has no such phase, and the bench's DynamoDB floor is measured
 * after the job runs, warm; so before the first phase the bench sends the request kinds the service
 * sends (GetItem, BatchGetItem, Query, UpdateItem, TransactWriteItems) on a partition of their own,
 * from a client of its own (not counted as the service's round trips), for a fixed time.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';

export async function warmDynamoDbLocal(endpoint: string, tableName: string, seconds: number): Promise<{ requests: number; seconds: number }> {
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint }));
  const pk = 'BENCH#WARM-UP';
  const key = (i: number) => ({ pk, sk: `ITEM#${String(i % 50).padStart(4, '0')}` });
  const started = performance.now();
  let requests = 0;
  for (let i = 0; performance.now() - started < seconds * 1000; i++) {
    await client.send(new PutCommand({ TableName: tableName, Item: { ...key(i), gsi1pk: `${pk}#G`, gsi1sk: String(i), status: 'pending', n: i } }));
    await client.send(new GetCommand({ TableName: tableName, Key: key(i), ConsistentRead: true }));
    await client.send(new BatchGetCommand({ RequestItems: { [tableName]: { Keys: [key(i), key(i + 1), key(i + 2)], ConsistentRead: true } } }));
    await client.send(new QueryCommand({ TableName: tableName, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': pk }, Limit: 5, ConsistentRead: true }));
    await client.send(new UpdateCommand({ TableName: tableName, Key: { pk, sk: 'COUNTER' }, UpdateExpression: 'ADD n :one', ExpressionAttributeValues: { ':one': 1 } }));
    await client.send(
      new TransactWriteCommand({
        TransactItems: [
          { Update: { TableName: tableName, Key: key(i), UpdateExpression: 'SET #s = :s', ConditionExpression: 'attribute_exists(pk)', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':s': 'running' } } },
          { Update: { TableName: tableName, Key: { pk, sk: 'COUNTER2' }, UpdateExpression: 'ADD n :one', ExpressionAttributeValues: { ':one': 1 } } },
        ],
      }),
    );
    requests += 6;
  }
  client.destroy();
  return { requests, seconds: Math.round((performance.now() - started) / 100) / 10 };
}
