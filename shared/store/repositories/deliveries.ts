/**
 * Delivery records (WEBHOOK#<wh>/DELIVERY#<delivery key>, TTL 7 days): what makes each VCS delivery start
 * at most one job although providers redeliver, asynchronous invocation delivers at least once, and a
 * worker can die half-way. In short: received → processing (a lease) → processed | failed.
 *
 * Exactly once per delivery: the delivery key is the provider's delivery id (for releases the release or
 * tag identity, because providers send twin events for one release). The receiver puts the delivery
 * record `received` with `attribute_not_exists(pk) OR status IN (received, failed)` and reads the old
 * record back when the condition fails: `processed` → a duplicate (200, nothing done); `processing` or an
 * unfinished record → the delivery is queued again. The record is not "seen forever" after a failure:
 * job creation is not in the same transaction as the record (createJob owns its transaction), so the
 * processor claims the record with a lease (status processing, leaseUntil, conditional on nobody
 * holding an unexpired lease), creates the job, then marks it `processed` with the job id. A crash
 * between claim and job creation leaves a lease that expires, and Lambda's asynchronous retry (or a
 * redelivery) takes it over. A crash after the job was created but before `processed` is the one window
 * where a retry could create a second job; a retry that takes over an expired lease therefore first
 * looks for the job of this delivery (its comments carry the delivery marker) among the organization's
 * jobs created since the lapsed claim (jobs.ts findRecentJobByComment), and adopts it if found. A
 * permanent error (the template or workspace is gone) marks the record `failed`: no retries, but a
 * redelivery from the provider tries again.
 *
 * A replayed delivery: providers sign the body, not the delivery-id header, so the same signed body sent
 * again under a new delivery id would look new. The body guard DELIVERY#digest:<sha256 of the raw body>
 * (owner = the first delivery key that carried those bytes), put in the same transaction as the record,
 * makes it a duplicate. Deliveries sort before EVENT#, so the receiver's Query for the rules never
 * reads them.
 */
import { logger } from '../../logger';
import type { DeliveryBodyGuard, DeliveryRecord } from '../../webhooks/records';
import { keys } from '../keys';
import { ConditionFailed, oldAttribute, put, update, updateReturning, write } from '../writes';
import { findRecentJobByComment } from './jobs';

/** Long enough for the processor's 60 s timeout, shorter than the gap before Lambda's last async retry. */
export const LEASE_SECONDS = 120;
export const DELIVERY_TTL_SECONDS = 7 * 24 * 3600;

const epoch = (ms = Date.now()) => Math.floor(ms / 1000);
const STATUS = { '#s': 'status' };

export type Recorded = 'recorded' | 'duplicate' | 'unfinished';

/**
 * Records a matched delivery as `received`, with its body guard, in one transaction. A delivery already
 * `processed` is a duplicate; one still being processed is left alone but reported unfinished (queued
 * again); a `received` or `failed` record is replaced, so a redelivery retries with the rules of now.
 */
export async function recordDelivery(record: DeliveryRecord, bodyDigest: string): Promise<Recorded> {
  try {
    await write([
      {
        ...put(
          { ...keys.webhookDelivery(record.webhookId, record.deliveryKey), ...record },
          {
            expression: 'attribute_not_exists(pk) OR #s IN (:received, :failed)',
            names: STATUS,
            values: { ':received': 'received', ':failed': 'failed' },
          },
        ),
        returnOldOnFailure: true,
      },
      put(
        {
          ...keys.webhookDelivery(record.webhookId, `digest:${bodyDigest}`),
          ...({ owner: record.deliveryKey, expiresAt: record.expiresAt } satisfies DeliveryBodyGuard),
        },
        {
          expression: 'attribute_not_exists(pk) OR #o = :owner',
          names: { '#o': 'owner' },
          values: { ':owner': record.deliveryKey },
        },
      ),
    ]);
    return 'recorded';
  } catch (error) {
    if (!(error instanceof ConditionFailed)) throw error;
    if (error.failed.includes(1)) return 'duplicate';
    return oldAttribute(error.old, 'status') === 'processed' ? 'duplicate' : 'unfinished';
  }
}

export class DeliveryBusy extends Error {
  constructor(key: string) {
    super(`delivery ${key} is being processed by another worker`);
    this.name = 'DeliveryBusy';
  }
}

export type Claim =
  { type: 'claimed'; record: DeliveryRecord; claimedAt: string; lapsedClaimAt?: string } | { type: 'skip'; reason: 'missing' | 'processed' | 'failed' };

/**
 * Takes the delivery for processing: a `received` record, or one whose previous worker's lease lapsed
 * (then `lapsedClaimAt` says since when a job of it may exist). One UpdateItem returning the old record.
 */
export async function claimDelivery(webhookId: string, deliveryKey: string): Promise<Claim> {
  const claimedAt = new Date().toISOString();
  try {
    const old = (await updateReturning(
      {
        ...update(
          keys.webhookDelivery(webhookId, deliveryKey),
          {},
          {
            extraSet: ['#s = :processing', 'claimedAt = :at', 'leaseUntil = :lease', 'attempts = if_not_exists(attempts, :zero) + :one'],
            condition: { expression: '#s = :received OR (#s = :processing AND leaseUntil < :now)', names: STATUS },
            values: {
              ':processing': 'processing',
              ':received': 'received',
              ':at': claimedAt,
              ':lease': epoch() + LEASE_SECONDS,
              ':now': epoch(),
              ':zero': 0,
              ':one': 1,
            },
          },
        ),
        returnOldOnFailure: true,
      },
      'ALL_OLD',
    )) as unknown as DeliveryRecord;
    return { type: 'claimed', record: old, claimedAt, ...(old.status === 'processing' ? { lapsedClaimAt: old.claimedAt } : {}) };
  } catch (error) {
    if (!(error instanceof ConditionFailed)) throw error;
    const status = oldAttribute(error.old, 'status');
    if (status === 'processing') throw new DeliveryBusy(deliveryKey);
    return { type: 'skip', reason: status === 'processed' ? 'processed' : status === 'failed' ? 'failed' : 'missing' };
  }
}

/** Ends this worker's claim; a claim another worker took over meanwhile is left to that worker. */
async function endClaim(record: DeliveryRecord, claimedAt: string, set: Record<string, unknown>): Promise<void> {
  try {
    await write([
      update(keys.webhookDelivery(record.webhookId, record.deliveryKey), set, {
        remove: ['leaseUntil'],
        condition: {
          expression: '#s = :processing AND claimedAt = :claimedAt',
          names: STATUS,
          values: { ':processing': 'processing', ':claimedAt': claimedAt },
        },
      }),
    ]);
  } catch (error) {
    if (!(error instanceof ConditionFailed)) throw error;
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

/** The job a lapsed attempt may have created: one of the organization's jobs since the lapsed claim, carrying the marker. */
export const findJobOfDelivery = (organizationId: string, deliveryKey: string, since: string) =>
  findRecentJobByComment(organizationId, deliveryMarker(deliveryKey), since);

export const deliveryExpiry = () => epoch() + DELIVERY_TTL_SECONDS;
