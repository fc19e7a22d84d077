/**
 * Writing the one table through write plans. A repository plans a change as TxItems (each write with
 * the error to raise when its condition fails) without sending anything; the caller executes the plan
 * alone or merges several plans into one transaction (all or nothing). `write` sends a single item as
 * a plain Put/Update/Delete and several as one TransactWriteItems.
 */
import { DeleteCommand, PutCommand, TransactWriteCommand, UpdateCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { unavailableIfTransient } from '../adapters/aws/transient';
import { committed, transactionBarrier } from '../wiring';
import type { Key } from './keys';
import { send, tableName, type Item } from './table';

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

/** One write of a plan, with the error to raise when its condition is what failed. */
export interface TxItem {
  item: WriteOp;
  onConditionFailed?: () => Error;
  /** Hand the item as it was to the caller when the condition fails (ConditionFailed.old). */
  returnOldOnFailure?: boolean;
  /** The job status this write gives a job: heard, once committed, by whoever listens (`npm start`'s subscriptions). */
  jobStatus?: JobStatusChange;
}

/** A job's new status, as the live status feed (shared/subscriptions) pushes it. */
export interface JobStatusChange {
  organizationId: string;
  workspaceId: string;
  jobId: number;
  status: string;
}

/** The writes of one change, planned but not sent. Plans merge by concatenation. */
export type WritePlan = TxItem[];

/**
 * A condition failed and its TxItem named no error of its own. `index`: the first write whose condition
 * failed (`failed`: all of them); `old`: that item as it was (raw attribute values), when asked for.
 */
export class ConditionFailed extends Error {
  constructor(
    readonly index: number,
    readonly old?: Record<string, { S?: string; N?: string }>,
    readonly failed: number[] = [index],
  ) {
    super(`transaction condition ${index} failed`);
    this.name = 'ConditionFailed';
  }
}

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

/** A uniqueness guard: its key is free, or `taken` is raised. `owner` says whose it is. */
export function guard(key: Key, owner: string, taken: () => Error): TxItem {
  return put({ ...key, owner }, absent, taken);
}

export function remove(key: Key, condition?: Condition, onConditionFailed?: () => Error): TxItem {
  return { item: { Delete: { Key: key, ...conditionParts(condition) } }, onConditionFailed };
}

export function check(key: Key, condition: Condition, onConditionFailed: () => Error): TxItem {
  return { item: { ConditionCheck: { Key: key, ConditionExpression: condition.expression, ...conditionParts(condition) } }, onConditionFailed };
}

/**
 * SETs the given attributes (null is stored as null) plus optional raw clauses; `addToSet` / `deleteFromSet`
 * add members to string sets and take them out (ADD / DELETE). The condition's names and values are
 * merged with the generated ones (#a0, :a0 …, #s0, :s0 …).
 */
export function update(
  key: Key,
  changes: Record<string, unknown>,
  options: {
    condition?: Condition;
    extraSet?: string[];
    remove?: string[];
    addToSet?: Record<string, string[]>;
    deleteFromSet?: Record<string, string[]>;
    names?: Record<string, string>;
    values?: Record<string, unknown>;
  } = {},
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
  let n = 0;
  const setClause = (members: Record<string, string[]> | undefined) =>
    Object.entries(members ?? {}).map(([attr, ids]) => {
      names[`#s${n}`] = attr;
      values[`:s${n}`] = new Set(ids);
      return `#s${n} :s${n++}`;
    });
  const adds = setClause(options.addToSet);
  const deletes = setClause(options.deleteFromSet);
  const removes = options.remove ?? [];
  const expression = [
    sets.length ? `SET ${sets.join(', ')}` : '',
    removes.length ? `REMOVE ${removes.join(', ')}` : '',
    adds.length ? `ADD ${adds.join(', ')}` : '',
    deletes.length ? `DELETE ${deletes.join(', ')}` : '',
  ]
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

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];
const TRANSACTION_ATTEMPTS = 6;

/**
 * Writes all items atomically; a failed condition raises that item's error (or ConditionFailed). A
 * transaction cancelled only because another one touched the same item at the same moment wrote
 * nothing, so it is simply tried again (the SDK does not retry those).
 */
export async function transact(items: TxItem[]): Promise<void> {
  const withTable = items.map(({ item, returnOldOnFailure }) => {
    const [op, body] = Object.entries(item)[0] as [string, Record<string, unknown>];
    return { [op]: { TableName: tableName(), ...body, ...(returnOldOnFailure ? { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } : {}) } } as TransactItem;
  });
  for (let attempt = 1; ; attempt++) {
    try {
      await send(new TransactWriteCommand({ TransactItems: withTable }));
      await transactionBarrier();
      committed(items);
      return;
    } catch (error) {
      const reasons = (error as { name?: string; CancellationReasons?: { Code?: string; Item?: ConditionFailed['old'] }[] }).CancellationReasons;
      if ((error as { name?: string }).name !== 'TransactionCanceledException' || !reasons) throw unavailableIfTransient(error);
      const index = reasons.findIndex((r) => r.Code === 'ConditionalCheckFailed');
      const failed = reasons.flatMap((r, i) => (r.Code === 'ConditionalCheckFailed' ? [i] : []));
      if (index >= 0) throw items[index]?.onConditionFailed?.() ?? new ConditionFailed(index, reasons[index]?.Item, failed);
      const conflictOnly = reasons.every((r) => r.Code === 'None' || r.Code === 'TransactionConflict');
      if (!conflictOnly || attempt >= TRANSACTION_ATTEMPTS) throw unavailableIfTransient(error);
      await new Promise((r) => setTimeout(r, Math.random() * 10 * attempt));
    }
  }
}

const conditionFailed = (error: unknown) => (error as { name?: string }).name === 'ConditionalCheckFailedException';
const failure = (txItem: TxItem, error: unknown) => txItem.onConditionFailed?.() ?? new ConditionFailed(0, (error as { Item?: ConditionFailed['old'] }).Item);
const returnOld = (txItem: TxItem) => (txItem.returnOldOnFailure ? { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const } : {});

/** Executes a plan: nothing for an empty one, one plain request for a single item, else one transaction. */
export async function write(items: WritePlan): Promise<void> {
  if (items.length === 0) return;
  if (items.length !== 1 || items[0]?.item.ConditionCheck) return transact(items);
  const [txItem] = items as [TxItem];
  const { item } = txItem;
  try {
    if (item.Put) await send(new PutCommand({ ...item.Put, TableName: tableName(), ...returnOld(txItem) }));
    else if (item.Update) await send(new UpdateCommand({ ...item.Update, TableName: tableName(), ...returnOld(txItem) }));
    else if (item.Delete) await send(new DeleteCommand({ ...item.Delete, TableName: tableName(), ...returnOld(txItem) }));
  } catch (error) {
    if (conditionFailed(error)) throw failure(txItem, error);
    throw error;
  }
  committed(items);
}

/** An update that answers with the item's attributes (single item only). */
export async function updateReturning(txItem: TxItem, returnValues: 'ALL_NEW' | 'ALL_OLD' | 'UPDATED_NEW' = 'ALL_NEW'): Promise<Item> {
  const upd = txItem.item.Update;
  if (!upd) throw new Error('updateReturning needs an Update');
  try {
    const res = await send(new UpdateCommand({ ...upd, TableName: tableName(), ReturnValues: returnValues, ...returnOld(txItem) }));
    return res.Attributes ?? {};
  } catch (error) {
    if (conditionFailed(error)) throw failure(txItem, error);
    throw error;
  }
}

/** An attribute of an item a failed condition handed back (raw DynamoDB values). */
export const oldAttribute = (old: ConditionFailed['old'], name: string): string | undefined => old?.[name]?.S ?? old?.[name]?.N;
