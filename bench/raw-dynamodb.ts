/**
 * DynamoDB Local without the API in front, at the same concurrency as the HTTP load: raw PutItems of
 * job-shaped items, and the request mix of one job creation. The ratios to the HTTP figures tell what
 * the API adds from what DynamoDB Local itself costs.
 */
import { BatchGetCommand, PutCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { keys } from '../shared/store/keys';

export interface RawTarget {
  org: string;
  workspace: string;
  template: string;
}

/** Runs `op` in `connections` concurrent loops for `durationS`; returns completed operations per second. */
async function rawLoop(connections: number, durationS: number, op: (i: number) => Promise<unknown>): Promise<number> {
  let done = 0;
  let n = 0;
  const started = performance.now();
  const until = started + durationS * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < until) {
        await op(++n);
        done++;
      }
    }),
  );
  return done / ((performance.now() - started) / 1000);
}

const jobCopy = (template: Record<string, unknown>, pk: string, i: number) => {
  const id = String(i).padStart(10, '0');
  return { ...template, pk, sk: `JOB#${id}`, gsi1sk: id, gsi2sk: id, gsi3sk: id };
};

/** Raw PutItem of job-shaped items (same size and index attributes as a real job). */
export function rawPuts(client: DynamoDBDocumentClient, tableName: string, template: Record<string, unknown>, connections: number, durationS: number) {
  const pk = `ORG#raw-put-${crypto.randomUUID()}`; // new items in every run
  return rawLoop(connections, durationS, (i) => client.send(new PutCommand({ TableName: tableName, Item: jobCopy(template, pk, i) })));
}

/**
 * The DynamoDB requests of one POST job done raw, without the API: BatchGetItem of the organization,
 * workspace and template; UpdateItem ADD on a job id counter; TransactWriteItems putting the job and
 * appending it to a workspace queue (the mix shared/jobs/create-job.ts sends while other creations are
 * in flight, as under this load; a lone one takes its id in the transaction and skips the UpdateItem).
 */
export function rawCreateMix(client: DynamoDBDocumentClient, tableName: string, target: RawTarget, template: Record<string, unknown>, connections: number, durationS: number) {
  const reads = [keys.organization(target.org), keys.workspace(target.workspace), keys.template(target.org, target.template)];
  const pk = `ORG#raw-mix-${crypto.randomUUID()}`; // new job items and counter in every run
  return rawLoop(connections, durationS, async (i) => {
    await client.send(new BatchGetCommand({ RequestItems: { [tableName]: { Keys: reads, ConsistentRead: true } } }));
    await client.send(new UpdateCommand({
      TableName: tableName, Key: { pk, sk: 'JOBSEQ' }, UpdateExpression: 'ADD lastJobId :one', ExpressionAttributeValues: { ':one': 1 }, ReturnValues: 'UPDATED_NEW',
    }));
    await client.send(new TransactWriteCommand({
      TransactItems: [
        { Put: { TableName: tableName, Item: jobCopy(template, pk, i), ConditionExpression: 'attribute_not_exists(pk)' } },
        {
          Update: {
            TableName: tableName,
            Key: { pk: `WS#${pk}-${i % connections}`, sk: 'WS' },
            UpdateExpression: 'SET #q = list_append(if_not_exists(#q, :empty), :ids), queueVersion = if_not_exists(queueVersion, :zero) + :one',
            ExpressionAttributeNames: { '#q': 'queue' },
            ExpressionAttributeValues: { ':empty': [], ':ids': [i], ':zero': 0, ':one': 1 },
          },
        },
      ],
    }));
  });
}
