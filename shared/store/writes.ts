/**
 * Builders for conditional writes. Services compose them into one `write` call: a single item goes out
 * as a plain Put/Update/Delete, several as one TransactWriteItems, and a failed condition raises the
 * error its builder was given.
 */
import { Conflict } from '../domain/errors';
import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Key } from './keys';
import { ConditionFailed, send, tableName, transact, type Item, type TxItem } from './table';

export interface Condition {
  expression: string;
  names?: Record<string, string>;
  values?: Record<string, unknown>;
}

const exists: Condition = { expression: 'attribute_exists(pk)' };
const absent: Condition = { expression: 'attribute_not_exists(pk)' };

export const conditions = { exists, absent };

function conditionParts(c: Condition | undefined) {
  if (!c) return {};
  return {
    ConditionExpression: c.expression,
    ...(c.names && Object.keys(c.names).length ? { ExpressionAttributeNames: c.names } : {}),
    ...(c.values && Object.keys(c.values).length ? { ExpressionAttributeValues: c.values } : {}),
  };
}

export function put(item: Item & Key, condition: Condition | undefined, onConditionFailed?: () => Error): TxItem {
  return { item: { Put: { Item: item, ...conditionParts(condition) } }, onConditionFailed };
}

/** A uniqueness guard: fails with 409 when the name is taken. */
export function guard(key: Key, owner: string, what: string): TxItem {
  return put({ ...key, owner }, absent, () => new Conflict(`${what} already exists`, { pointer: '/data/attributes/name' }));
}

export function remove(key: Key, condition?: Condition, onConditionFailed?: () => Error): TxItem {
  return { item: { Delete: { Key: key, ...conditionParts(condition) } }, onConditionFailed };
}

export function check(key: Key, condition: Condition, onConditionFailed: () => Error): TxItem {
  return { item: { ConditionCheck: { Key: key, ConditionExpression: condition.expression, ...conditionParts(condition) } }, onConditionFailed };
}

/**
 * SETs the given attributes (null is stored as null) plus optional raw clauses. The condition's names
 * and values are merged with the generated ones (#a0, :a0 …).
 */
export function update(
  key: Key,
  changes: Record<string, unknown>,
  options: { condition?: Condition; extraSet?: string[]; remove?: string[]; names?: Record<string, string>; values?: Record<string, unknown> } = {},
  onConditionFailed?: () => Error,
): TxItem {
  const names: Record<string, string> = { ...options.names, ...options.condition?.names };
  const values: Record<string, unknown> = { ...options.values, ...options.condition?.values };
  const sets: string[] = [...(options.extraSet ?? [])];
  Object.entries(changes).forEach(([attr, value], i) => {
    if (value === undefined) return;
    names[`#a${i}`] = attr;
    values[`:a${i}`] = value;
    sets.push(`#a${i} = :a${i}`);
  });
  const removes = options.remove ?? [];
  const expression = [sets.length ? `SET ${sets.join(', ')}` : '', removes.length ? `REMOVE ${removes.join(', ')}` : '']
    .filter(Boolean)
    .join(' ');
  return {
    item: {
      Update: {
        Key: key,
        UpdateExpression: expression,
        ...(options.condition ? { ConditionExpression: options.condition.expression } : {}),
        ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
        ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
      },
    },
    onConditionFailed,
  };
}

/** Sends the writes: one plain request for a single item, else one transaction. */
export async function write(items: TxItem[]): Promise<void> {
  if (items.length !== 1 || items[0]?.item.ConditionCheck) return transact(items);
  const [{ item, onConditionFailed }] = items as [TxItem];
  try {
    if (item.Put) await send(new PutCommand({ ...item.Put, TableName: tableName() }));
    else if (item.Update) await send(new UpdateCommand({ ...item.Update, TableName: tableName() }));
    else if (item.Delete) await send(new DeleteCommand({ ...item.Delete, TableName: tableName() }));
  } catch (error) {
    if ((error as { name?: string }).name === 'ConditionalCheckFailedException') throw onConditionFailed?.() ?? new ConditionFailed(0);
    throw error;
  }
}

/** Update returning the item's new state (single item only). */
export async function updateReturning(txItem: TxItem): Promise<Item> {
  const upd = txItem.item.Update;
  if (!upd) throw new Error('updateReturning needs an Update');
  try {
    const res = await send(new UpdateCommand({ ...upd, TableName: tableName(), ReturnValues: 'ALL_NEW' }));
    return res.Attributes ?? {};
  } catch (error) {
    if ((error as { name?: string }).name === 'ConditionalCheckFailedException') throw txItem.onConditionFailed?.() ?? new ConditionFailed(0);
    throw error;
  }
}
