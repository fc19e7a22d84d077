/**
 * Reading the one table: strongly consistent reads, reads of several items in one request, paged
 * queries. With writes.ts this is the only code that talks to DynamoDB; repositories/ build on both.
 */
import {
  BatchGetCommand,
  BatchWriteCommand,
  GetCommand,
  QueryCommand,
  type QueryCommandInput,
  type DynamoDBDocumentClientResolvedConfig,
  type ServiceInputTypes,
  type ServiceOutputTypes,
} from '@aws-sdk/lib-dynamodb';
import type { Command } from '@smithy/types';
import { unavailableIfTransient } from '../adapters/aws/transient';
import { documentClient, tableName } from '../wiring';
import { KEY_ATTRIBUTES, type Key, type Partition } from './keys';
import { overlaid } from './overlay';
import type { IndexName } from './table-schema';

export type Item = Record<string, unknown>;
export { tableName };

/**
 * Sends one request. Transient failures become Unavailable; a cancelled transaction is left to the
 * caller, which reads its reasons (and classifies what it does not handle).
 */
export async function send<I extends ServiceInputTypes, O extends ServiceOutputTypes>(
  command: Command<ServiceInputTypes, I, ServiceOutputTypes, O, DynamoDBDocumentClientResolvedConfig>,
): Promise<O> {
  try {
    return await documentClient().send(command);
  } catch (error) {
    if ((error as { name?: string }).name === 'TransactionCanceledException') throw error;
    throw unavailableIfTransient(error);
  }
}

/** The record without its key and index attributes. */
export function stripKeys<T>(item: Item): T {
  const out: Item = { ...item };
  for (const k of KEY_ATTRIBUTES) delete out[k];
  return out as T;
}

/** An item to read and how it becomes a record: what repositories hand out so callers never build keys. */
export interface Ref<T> {
  key: Key;
  decode(item: Item): T;
}

export const ref = <T>(key: Key, decode: (item: Item) => T = (item) => stripKeys<T>(item)): Ref<T> => ({ key, decode });

export type Read<M> = { [K in keyof M]: M[K] extends Ref<infer T> ? T | undefined : undefined };

const keyString = (key: Key) => `${key.pk}\u0000${key.sk}`;

export async function getItem(key: Key): Promise<Item | undefined> {
  // Atomic operations: what an earlier operation of the same request planned to write (overlay.ts).
  const planned = overlaid(key);
  if (planned !== undefined) return planned ?? undefined;
  const res = await send(new GetCommand({ TableName: tableName(), Key: key, ConsistentRead: true }));
  return res.Item;
}

export async function read<T>(r: Ref<T>): Promise<T | undefined> {
  const item = await getItem(r.key);
  return item ? r.decode(item) : undefined;
}

/**
 * Reads several items in one request (GetItem for one, BatchGetItem for more; more requests only if
 * DynamoDB leaves keys unprocessed). Entries left undefined are not read.
 */
export async function readTogether<M extends Record<string, Ref<unknown> | undefined>>(refs: M): Promise<Read<M>> {
  const wanted = Object.entries(refs).filter((e): e is [string, Ref<unknown>] => e[1] !== undefined);
  const out: Record<string, unknown> = {};
  if (wanted.length === 1) {
    const [name, r] = wanted[0] as [string, Ref<unknown>];
    out[name] = await read(r);
  } else if (wanted.length > 1) {
    const found = await batchGet(wanted.map(([, r]) => r.key));
    for (const [name, r] of wanted) {
      const item = found.get(keyString(r.key));
      out[name] = item ? r.decode(item) : undefined;
    }
  }
  return out as Read<M>;
}

/** Reads up to 100 items in one request, by key. */
export async function batchGet(keys: Key[]): Promise<Map<string, Item>> {
  const found = new Map<string, Item>();
  const unique = [...new Map(keys.map((k) => [keyString(k), k])).values()].filter((k) => {
    const planned = overlaid(k);
    if (planned) found.set(keyString(k), planned);
    return planned === undefined;
  });
  let pending: Record<string, unknown>[] = unique.map((k) => ({ pk: k.pk, sk: k.sk }));
  for (let attempt = 0; pending.length > 0; attempt++) {
    if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(50 * 2 ** attempt, 1000)));
    const res = await send(new BatchGetCommand({ RequestItems: { [tableName()]: { Keys: pending, ConsistentRead: true } } }));
    for (const item of res.Responses?.[tableName()] ?? []) found.set(keyString(item as Key), item);
    pending = (res.UnprocessedKeys?.[tableName()]?.Keys as Record<string, unknown>[] | undefined) ?? [];
  }
  return found;
}

export async function readMany<T>(refs: Ref<T>[]): Promise<T[]> {
  if (refs.length === 0) return [];
  const found = await batchGet(refs.map((r) => r.key));
  return refs.flatMap((r) => {
    const item = found.get(keyString(r.key));
    return item ? [r.decode(item)] : [];
  });
}

export interface Page {
  items: Item[];
  lastKey?: Record<string, unknown>;
  /** Items DynamoDB read (and billed) before any FilterExpression. */
  scanned: number;
}

export type QueryInput = Omit<QueryCommandInput, 'TableName' | 'IndexName'> & { index?: IndexName };

export async function query(input: QueryInput): Promise<Page> {
  const { index, ...rest } = input;
  const res = await send(new QueryCommand({ TableName: tableName(), ...(index ? { IndexName: index } : { ConsistentRead: true }), ...rest }));
  return { items: res.Items ?? [], lastKey: res.LastEvaluatedKey, scanned: res.ScannedCount ?? res.Items?.length ?? 0 };
}

/** How many items a query matches (Select COUNT, following pagination). */
export async function queryCount(input: Omit<QueryInput, 'Select' | 'ExclusiveStartKey'>): Promise<number> {
  const { index, ...rest } = input;
  let total = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const res = await send(
      new QueryCommand({
        TableName: tableName(),
        ...(index ? { IndexName: index } : { ConsistentRead: true }),
        ...rest,
        Select: 'COUNT',
        ExclusiveStartKey: start,
      }),
    );
    total += res.Count ?? 0;
    start = res.LastEvaluatedKey;
  } while (start);
  return total;
}

/** Every item of a query, following pagination: only for bounded sets (a workspace's variables). */
export async function queryAll(input: QueryInput): Promise<Item[]> {
  const items: Item[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await query({ ...input, ExclusiveStartKey: start });
    items.push(...page.items);
    start = page.lastKey;
  } while (start);
  return items;
}

/**
 * The items of a partition (see keys.ts), all pages: those whose sort key begins with `prefix`, or is
 * at least `from`; `keysOnly` reads just pk and sk (for deleting them).
 */
export function readPartition(
  partition: Partition,
  options: { prefix?: string; from?: string; keysOnly?: boolean; projection?: string } = {},
): Promise<Item[]> {
  const [pkName, pkValue] = partition.pk;
  const skName = partition.sk?.[0] ?? 'sk';
  const skCondition = options.prefix !== undefined ? ' AND begins_with(#sk, :sk)' : options.from !== undefined ? ' AND #sk >= :sk' : '';
  return queryAll({
    index: partition.index,
    KeyConditionExpression: `#pk = :pk${skCondition}`,
    ExpressionAttributeNames: { '#pk': pkName, ...(skCondition ? { '#sk': skName } : {}) },
    ExpressionAttributeValues: { ':pk': pkValue, ...(skCondition ? { ':sk': options.prefix ?? options.from } : {}) },
    ...(options.keysOnly ? { ProjectionExpression: 'pk, sk' } : options.projection ? { ProjectionExpression: options.projection } : {}),
  });
}

export const keyOf = (item: Item): Key => ({ pk: String(item.pk), sk: String(item.sk) });

/** Deletes items in batches of 25 (bulk cleanup, not a request's hot path). */
export async function deleteAll(keys: Key[]): Promise<void> {
  for (let i = 0; i < keys.length; i += 25) {
    let requests: Record<string, unknown>[] = keys.slice(i, i + 25).map((k) => ({ DeleteRequest: { Key: { pk: k.pk, sk: k.sk } } }));
    for (let attempt = 0; requests.length > 0; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(50 * 2 ** attempt, 1000)));
      const res = await send(new BatchWriteCommand({ RequestItems: { [tableName()]: requests as never } }));
      requests = (res.UnprocessedItems?.[tableName()] as Record<string, unknown>[] | undefined) ?? [];
    }
  }
}
