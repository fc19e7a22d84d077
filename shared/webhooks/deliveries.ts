/**
 * The delivery record: what makes each delivery start at most one job even though providers redeliver,
 * asynchronous invocation delivers at least once, and a worker can die half-way. The full reasoning is in the key design
 * (store/keys.ts); in short: received → processing (a lease) → processed | failed.
 */
import { QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { logger } from '../logger';
import { unavailableIfTransient } from '../adapters/aws/transient';
import { keys, prefixes } from '../store/keys';
import { send, tableName } from '../store/table';
import type { DeliveryRecord } from './records';

/** Long enough for the processor's 60 s timeout, shorter than the queue's visibility timeout (6 min). */
export const LEASE_SECONDS = 120;
export const DELIVERY_TTL_SECONDS = 7 * 24 * 3600;

const epoch = (ms = Date.now()) => Math.floor(ms / 1000);
const STATUS = { '#s': 'status' };

/** The attribute of a raw (not unmarshalled) item that a failed condition returned. */
const rawAttribute = (error: unknown, name: string): string | undefined => {
  const value = (error as { Item?: Record<string, { S?: string; N?: string }> }).Item?.[name];
  return value?.S ?? value?.N;
};
const conditionFailed = (error: unknown) => (error as { name?: string }).name === 'ConditionalCheckFailedException';

export type Recorded = 'recorded' | 'duplicate' | 'unfinished';

/**
 * Records a matched delivery as `received`, with a guard on the digest of its raw body, in one
 * transaction. A delivery already `processed` is a duplicate; one still being processed is left alone
 * but reported unfinished (queued again); a `received` or `failed` record is replaced, so a redelivery
 * retries with the rules of now. The body guard belongs to the first delivery id that carried that body:
 * the same signed body replayed under another delivery id (providers do not sign that header) is a
 * duplicate too.
 */
export async function recordDelivery(record: DeliveryRecord, bodyDigest: string): Promise<Recorded> {
  try {
    await send(new TransactWriteCommand({
      TransactItems: [
        {
          Put: {
            TableName: tableName(),
            Item: { ...keys.webhookDelivery(record.webhookId, record.deliveryKey), ...record },
            ConditionExpression: 'attribute_not_exists(pk) OR #s IN (:received, :failed)',
            ExpressionAttributeNames: STATUS,
            ExpressionAttributeValues: { ':received': 'received', ':failed': 'failed' },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
        {
          Put: {
            TableName: tableName(),
            Item: { ...keys.webhookDelivery(record.webhookId, `digest:${bodyDigest}`), owner: record.deliveryKey, expiresAt: record.expiresAt },
            ConditionExpression: 'attribute_not_exists(pk) OR #o = :owner',
            ExpressionAttributeNames: { '#o': 'owner' },
            ExpressionAttributeValues: { ':owner': record.deliveryKey },
          },
        },
      ],
    }));
    return 'recorded';
  } catch (error) {
    const reasons = (error as { CancellationReasons?: { Code?: string; Item?: Record<string, { S?: string }> }[] }).CancellationReasons;
    if ((error as { name?: string }).name !== 'TransactionCanceledException' || !reasons) throw error;
    if (reasons[1]?.Code === 'ConditionalCheckFailed') return 'duplicate';
    if (reasons[0]?.Code !== 'ConditionalCheckFailed') throw unavailableIfTransient(error);
    return rawAttribute(reasons[0], 'status') === 'processed' ? 'duplicate' : 'unfinished';
  }
}

export class DeliveryBusy extends Error {
  constructor(key: string) {
    super(`delivery ${key} is being processed by another worker`);
    this.name = 'DeliveryBusy';
  }
}

export type Claim =
  | { type: 'claimed'; record: DeliveryRecord; claimedAt: string; lapsedClaimAt?: string }
  | { type: 'skip'; reason: 'missing' | 'processed' | 'failed' };

/**
 * Takes the delivery for processing: a `received` record, or one whose previous worker's lease lapsed
 * (then `lapsedClaimAt` says since when a job of it may exist). One UpdateItem returning the old record.
 */
export async function claimDelivery(webhookId: string, deliveryKey: string): Promise<Claim> {
  const claimedAt = new Date().toISOString();
  try {
    const res = await send(new UpdateCommand({
      TableName: tableName(),
      Key: keys.webhookDelivery(webhookId, deliveryKey),
      UpdateExpression: 'SET #s = :processing, claimedAt = :at, leaseUntil = :lease, attempts = if_not_exists(attempts, :zero) + :one',
      ConditionExpression: '#s = :received OR (#s = :processing AND leaseUntil < :now)',
      ExpressionAttributeNames: STATUS,
      ExpressionAttributeValues: { ':processing': 'processing', ':received': 'received', ':at': claimedAt, ':lease': epoch() + LEASE_SECONDS, ':now': epoch(), ':zero': 0, ':one': 1 },
      ReturnValues: 'ALL_OLD',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    }));
    const old = res.Attributes as unknown as DeliveryRecord;
    return { type: 'claimed', record: old, claimedAt, ...(old.status === 'processing' ? { lapsedClaimAt: old.claimedAt } : {}) };
  } catch (error) {
    if (!conditionFailed(error)) throw error;
    const status = rawAttribute(error, 'status');
    if (status === 'processing') throw new DeliveryBusy(deliveryKey);
    return { type: 'skip', reason: status === 'processed' ? 'processed' : status === 'failed' ? 'failed' : 'missing' };
  }
}

/** Ends this worker's claim; a claim another worker took over meanwhile is left to that worker. */
async function endClaim(record: DeliveryRecord, claimedAt: string, set: Record<string, unknown>): Promise<void> {
  const names: Record<string, string> = { ...STATUS };
  const values: Record<string, unknown> = { ':processing': 'processing', ':claimedAt': claimedAt };
  const sets = Object.entries(set).map(([name, value], i) => {
    names[`#a${i}`] = name;
    values[`:a${i}`] = value;
    return `#a${i} = :a${i}`;
  });
  try {
    await send(new UpdateCommand({
      TableName: tableName(),
      Key: keys.webhookDelivery(record.webhookId, record.deliveryKey),
      UpdateExpression: `SET ${sets.join(', ')} REMOVE leaseUntil`,
      ConditionExpression: '#s = :processing AND claimedAt = :claimedAt',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    }));
  } catch (error) {
    if (!conditionFailed(error)) throw error;
    logger.warn('a webhook delivery claim lapsed before it ended', { webhookId: record.webhookId, deliveryKey: record.deliveryKey });
  }
}

export const completeDelivery = (record: DeliveryRecord, claimedAt: string, jobId: number) =>
  endClaim(record, claimedAt, { status: 'processed', jobId, processedAt: new Date().toISOString() });
export const failDelivery = (record: DeliveryRecord, claimedAt: string, error: string) =>
  endClaim(record, claimedAt, { status: 'failed', error: error.slice(0, 1000) });
/** A transient failure: hand the delivery back so the next attempt needs no lease to lapse. */
export const releaseDelivery = (record: DeliveryRecord, claimedAt: string) => endClaim(record, claimedAt, { status: 'received' });

/** The text a job's comments carry so that a later attempt can recognise the job of a delivery. */
export const deliveryMarker = (deliveryKey: string) => `(delivery ${deliveryKey})`;

/**
 * The job a lapsed attempt may have created: the organization's jobs newest first (ids follow creation),
 * back to the lapsed claim's time, one whose comments carry the delivery marker.
 */
export async function findJobOfDelivery(organizationId: string, deliveryKey: string, since: string): Promise<number | undefined> {
  const marker = deliveryMarker(deliveryKey);
  let start: Record<string, unknown> | undefined;
  do {
    const res = await send(new QueryCommand({
      TableName: tableName(),
      KeyConditionExpression: 'pk = :p AND begins_with(sk, :s)',
      ExpressionAttributeValues: { ':p': keys.organization(organizationId).pk, ':s': prefixes.job },
      ExpressionAttributeNames: { '#id': 'id' },
      ProjectionExpression: '#id, createdDate, comments',
      ScanIndexForward: false,
      ConsistentRead: true,
      Limit: 50,
      ExclusiveStartKey: start,
    }));
    for (const job of res.Items ?? []) {
      if (String(job.createdDate) < since) return undefined;
      if (typeof job.comments === 'string' && job.comments.endsWith(marker)) return Number(job.id);
    }
    start = res.LastEvaluatedKey;
  } while (start);
  return undefined;
}

export const deliveryExpiry = () => epoch() + DELIVERY_TTL_SECONDS;
