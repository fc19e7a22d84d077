/**
 * The live status feed's WebSocket connections in AWS (API Gateway keeps the sockets; the functions
 * keep what each one is): LIVE#<conn>/CONN holds the caller once `connection_init` was accepted, and
 * LIVE#<conn>/SUB#<id> each subscription, indexed by its feed (GSI1 FEED#WS#<ws> / FEED#ORG#<org>) so
 * that the stream fan-out finds a job's subscribers with two Queries. Everything expires (TTL) a little
 * after API Gateway's 2-hour connection limit, should a disconnect never be heard.
 */
import type { Principal } from '../../auth/principal';
import type { Feed } from '../../subscriptions/schema';
import { indexes, keys, partitions } from '../keys';
import { deleteAll, keyOf, query, read, readPartition, ref } from '../table';
import { conditions, put, remove, update, write } from '../writes';

const TTL_SECONDS = 3 * 3600;
const expiresAt = () => Math.floor(Date.now() / 1000) + TTL_SECONDS;
const FEED_KEY = { workspace: 'WS', organization: 'ORG' } as const;

export interface LiveConnection {
  connectionId: string;
  connectedAt: string;
  /** Set once connection_init carried a valid token. */
  principal?: Principal;
}

export interface LiveSubscription {
  connectionId: string;
  subscriptionId: string;
  feed: Feed;
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
}

export const openConnection = (connectionId: string) =>
  write([put({ ...keys.liveConnection(connectionId), connectionId, connectedAt: new Date().toISOString(), expiresAt: expiresAt() }, undefined)]);

export const readConnection = (connectionId: string) => read(ref<LiveConnection>(keys.liveConnection(connectionId)));

/** The connection's caller, accepted once: false when it was already initialised (or is gone). */
export async function acceptConnection(connectionId: string, principal: Principal): Promise<boolean> {
  try {
    await write([
      update(keys.liveConnection(connectionId), { principal }, { condition: { expression: 'attribute_exists(pk) AND attribute_not_exists(principal)' } }),
    ]);
    return true;
  } catch (error) {
    if ((error as Error).name === 'ConditionFailed') return false;
    throw error;
  }
}

/** A new subscription of the connection (false when its id is taken: graphql-ws closes with 4409). */
export async function addSubscription(s: LiveSubscription): Promise<boolean> {
  try {
    await write([
      put(
        { ...keys.liveSubscription(s.connectionId, s.subscriptionId), ...indexes.liveSubscription(FEED_KEY[s.feed.kind], s.feed.id, s.connectionId, s.subscriptionId), ...s, expiresAt: expiresAt() },
        conditions.absent,
      ),
    ]);
    return true;
  } catch (error) {
    if ((error as Error).name === 'ConditionFailed') return false;
    throw error;
  }
}

export const removeSubscription = (connectionId: string, subscriptionId: string) => write([remove(keys.liveSubscription(connectionId, subscriptionId))]);

/** Forgets a connection and all its subscriptions. */
export async function dropConnection(connectionId: string): Promise<void> {
  await deleteAll((await readPartition(partitions.liveConnection(connectionId), { keysOnly: true })).map(keyOf));
}

/** The subscriptions of a feed (each page of the index, all of them: a feed has a handful of watchers). */
export async function subscribersOf(feed: Feed): Promise<LiveSubscription[]> {
  const p = partitions.subscribersOf(FEED_KEY[feed.kind], feed.id);
  const found: LiveSubscription[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await query({ index: p.index, KeyConditionExpression: '#pk = :pk', ExpressionAttributeNames: { '#pk': p.pk[0] }, ExpressionAttributeValues: { ':pk': p.pk[1] }, ExclusiveStartKey: start });
    found.push(...(page.items as unknown as LiveSubscription[]));
    start = page.lastKey;
  } while (start);
  return found;
}
