/** Thin helpers over the document client: strongly consistent reads, paged queries, transactions. */
import {
  BatchGetCommand,
  BatchWriteCommand,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  type QueryCommandInput,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { ServiceInputTypes, ServiceOutputTypes } from '@aws-sdk/lib-dynamodb';
import type { Command } from '@smithy/types';
import { unavailableIfTransient } from '../adapters/aws/transient';
import { documentClient, tableName } from '../wiring';
import { KEY_ATTRIBUTES, type Key } from './keys';
import type { IndexName } from './table-schema';

export type Item = Record<string, unknown>;
export { tableName };

/**
 * Sends one request. Transient failures become Unavailable; a cancelled transaction is left to the
 * caller, which reads its reasons (and classifies what it does not handle).
 */
export async function send<I extends ServiceInputTypes, O extends ServiceOutputTypes>(command: Command<ServiceInputTypes, I, ServiceOutputTypes, O, any>): Promise<O> {
  try {
    return await documentClient().send(command);
  } catch (error) {
    if ((error as { name?: string }).name === 'TransactionCanceledException') throw error;
    throw unavailableIfTransient(error);
  }
}

const keyString = (key: Key) => `${key.pk}\u0000${key.sk}`;

export async function getItem(key: Key): Promise<Item | undefined> {
  const res = await send(new GetCommand({ TableName: tableName(), Key: key, ConsistentRead: true }));
  return res.Item;
}

/** Reads up to 100 items in one request (more only if DynamoDB leaves keys unprocessed). */
export async function batchGet(keys: Key[]): Promise<Map<string, Item>> {
  const found = new Map<string, Item>();
  const unique = [...new Map(keys.map((k) => [keyString(k), k])).values()];
  let pending: Record<string, unknown>[] = unique.map((k) => ({ pk: k.pk, sk: k.sk }));
  for (let attempt = 0; pending.length > 0; attempt++) {
    if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(50 * 2 ** attempt, 1000)));
    const res = await send(
      new BatchGetCommand({ RequestItems: { [tableName()]: { Keys: pending, ConsistentRead: true } } }),
    );
    for (const item of res.Responses?.[tableName()] ?? []) found.set(keyString(item as Key), item);
    pending = (res.UnprocessedKeys?.[tableName()]?.Keys as Record<string, unknown>[] | undefined) ?? [];
  }
  return found;
}

export const pick = (items: Map<string, Item>, key: Key): Item | undefined => items.get(keyString(key));

export interface Page {
  items: Item[];
  lastKey?: Record<string, unknown>;
  /** Items DynamoDB read (and billed) before any FilterExpression. */
  scanned: number;
}

export async function query(
  input: Omit<QueryCommandInput, 'TableName' | 'IndexName'> & { index?: IndexName },
): Promise<Page> {
  const { index, ...rest } = input;
  const res = await send(
    new QueryCommand({ TableName: tableName(), ...(index ? { IndexName: index } : { ConsistentRead: true }), ...rest }),
  );
  return { items: res.Items ?? [], lastKey: res.LastEvaluatedKey, scanned: res.ScannedCount ?? res.Items?.length ?? 0 };
}

/** How many items a query matches (Select COUNT, following pagination). */
export async function queryCount(input: Omit<Parameters<typeof query>[0], 'Select' | 'ExclusiveStartKey'>): Promise<number> {
  const { index, ...rest } = input;
  let total = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const res = await send(
      new QueryCommand({ TableName: tableName(), ...(index ? { IndexName: index } : { ConsistentRead: true }), ...rest, Select: 'COUNT', ExclusiveStartKey: start }),
    );
    total += res.Count ?? 0;
    start = res.LastEvaluatedKey;
  } while (start);
  return total;
}

/** Every item of a query, following pagination: only for bounded sets (a workspace's variables). */
export async function queryAll(input: Parameters<typeof query>[0]): Promise<Item[]> {
  const items: Item[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await query({ ...input, ExclusiveStartKey: start });
    items.push(...page.items);
    start = page.lastKey;
  } while (start);
  return items;
}

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

interface Expressions {
  ConditionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, unknown>;
}

/** One write (no table name: there is one table). */
export interface WriteOp {
  Put?: Expressions & { Item: Item };
  Update?: Expressions & { Key: Key; UpdateExpression: string };
  Delete?: Expressions & { Key: Key };
  ConditionCheck?: Expressions & { Key: Key };
}

/** One item of a transaction, with the error to raise when its condition is what failed. */
export interface TxItem {
  item: WriteOp;
  onConditionFailed?: () => Error;
}

export class ConditionFailed extends Error {
  constructor(readonly index: number) {
    super(`transaction condition ${index} failed`);
    this.name = 'ConditionFailed';
  }
}

const TRANSACTION_ATTEMPTS = 6;

/**
 * Writes all items atomically; a failed condition raises that item's error (or ConditionFailed). A
 * transaction cancelled only because another one touched the same item at the same moment wrote
 * nothing, so it is simply tried again (the SDK does not retry those).
 */
export async function transact(items: TxItem[]): Promise<void> {
  const withTable = items.map(({ item }) => {
    const [op, body] = Object.entries(item)[0] as [string, Record<string, unknown>];
    return { [op]: { TableName: tableName(), ...body } } as TransactItem;
  });
  for (let attempt = 1; ; attempt++) {
    try {
      await send(new TransactWriteCommand({ TransactItems: withTable }));
      return;
    } catch (error) {
      const reasons = (error as { name?: string; CancellationReasons?: { Code?: string }[] }).CancellationReasons;
      if ((error as { name?: string }).name !== 'TransactionCanceledException' || !reasons) throw unavailableIfTransient(error);
      const index = reasons.findIndex((r) => r.Code === 'ConditionalCheckFailed');
      if (index >= 0) throw items[index]?.onConditionFailed?.() ?? new ConditionFailed(index);
      const conflictOnly = reasons.every((r) => r.Code === 'None' || r.Code === 'TransactionConflict');
      if (!conflictOnly || attempt >= TRANSACTION_ATTEMPTS) throw unavailableIfTransient(error);
      await new Promise((r) => setTimeout(r, Math.random() * 10 * attempt));
    }
  }
}

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

/** The record without its key and index attributes. */
export function stripKeys<T>(item: Item): T {
  const out: Item = { ...item };
  for (const k of KEY_ATTRIBUTES) delete out[k];
  return out as T;
}
