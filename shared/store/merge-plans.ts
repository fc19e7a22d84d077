/**
 * Merging the write plans of several requests into one transaction (JSON:API atomic operations).
 * DynamoDB refuses a transaction that touches one item twice, so writes of one item are folded:
 * a ConditionCheck of existence next to a write of the item goes; an Update after a Put is applied to
 * the Put's item; two Updates become one (placeholders renamed, clauses joined, set additions united).
 * What cannot be folded (a delete next to another write, two puts) is a conflict between the two
 * operations. `applyUpdate` is also what lets later operations read what earlier ones wrote (overlay.ts).
 */
import type { Key } from './keys';
import type { Item } from './table';
import type { TxItem, WriteOp } from './writes';

/** Two writes of one item that one transaction cannot hold; `first` and `second` index the inputs. */
export class Unmergeable extends Error {
  constructor(
    readonly first: number,
    readonly second: number,
    readonly existing?: TxItem,
  ) {
    super('two operations change the same record');
    this.name = 'Unmergeable';
  }
}

type UpdateOp = NonNullable<WriteOp['Update']>;
const CLAUSES = ['SET', 'REMOVE', 'ADD', 'DELETE'] as const;
type Clauses = Record<(typeof CLAUSES)[number], string[]>;

export const keyOfWrite = (op: WriteOp): Key => (op.Put?.Item ?? op.Update?.Key ?? op.Delete?.Key ?? op.ConditionCheck?.Key) as Key;
const keyString = (k: Key) => `${k.pk}\u0000${k.sk}`;

/** Splits on commas outside parentheses. */
function splitTop(list: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < list.length; i++) {
    if (list[i] === '(') depth++;
    else if (list[i] === ')') depth--;
    else if (list[i] === ',' && depth === 0) {
      parts.push(list.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(list.slice(start).trim());
  return parts.filter(Boolean);
}

function clausesOf(expression: string): Clauses {
  const out: Clauses = { SET: [], REMOVE: [], ADD: [], DELETE: [] };
  const re = /\b(SET|REMOVE|ADD|DELETE)\b/g;
  const marks = [...expression.matchAll(re)];
  marks.forEach((m, i) => {
    const body = expression.slice((m.index ?? 0) + m[0].length, marks[i + 1]?.index ?? expression.length);
    out[m[1] as keyof Clauses].push(...splitTop(body));
  });
  return out;
}

const joinClauses = (c: Clauses) =>
  CLAUSES.filter((k) => c[k].length)
    .map((k) => `${k} ${c[k].join(', ')}`)
    .join(' ');

function resolvePath(path: string, names: Record<string, string> = {}): string[] {
  return path.split('.').map((segment) => {
    const name = segment.trim();
    if (!/^#?\w+$/.test(name)) throw new Error(`unsupported path ${path}`);
    return name.startsWith('#') ? (names[name] ?? name) : name;
  });
}

/** The item after `update` (SET path = :value, REMOVE path, ADD/DELETE path :set). Throws on anything else. */
export function applyUpdate(item: Item, update: UpdateOp): Item {
  const out: Item = structuredClone(item);
  const names = update.ExpressionAttributeNames ?? {};
  const values = update.ExpressionAttributeValues ?? {};
  const c = clausesOf(update.UpdateExpression);
  const parentOf = (path: string[], create: boolean): [Record<string, unknown> | undefined, string] => {
    let at: Record<string, unknown> | undefined = out;
    for (const segment of path.slice(0, -1)) {
      if (at && typeof at[segment] !== 'object' && create) at[segment] = {};
      at = at?.[segment] as Record<string, unknown> | undefined;
    }
    return [at, path.at(-1) as string];
  };
  for (const assignment of c.SET) {
    const m = /^(.+?)\s*=\s*(:\w+)$/.exec(assignment);
    if (!m) throw new Error(`unsupported SET ${assignment}`);
    const [parent, name] = parentOf(resolvePath(m[1] as string, names), true);
    if (parent) parent[name] = structuredClone(values[m[2] as string]);
  }
  for (const path of c.REMOVE) {
    const [parent, name] = parentOf(resolvePath(path, names), false);
    if (parent) delete parent[name];
  }
  for (const [clause, members] of [['ADD', c.ADD], ['DELETE', c.DELETE]] as const) {
    for (const part of members) {
      const m = /^(\S+)\s+(:\w+)$/.exec(part);
      if (!m) throw new Error(`unsupported ${clause} ${part}`);
      const [parent, name] = parentOf(resolvePath(m[1] as string, names), true);
      const value = values[m[2] as string];
      if (!parent) continue;
      if (value instanceof Set) {
        const next = new Set(parent[name] instanceof Set ? (parent[name] as Set<unknown>) : []);
        for (const v of value) {
          if (clause === 'ADD') next.add(v);
          else next.delete(v);
        }
        if (next.size) parent[name] = next;
        else delete parent[name];
      } else if (typeof value === 'number' && clause === 'ADD') parent[name] = Number(parent[name] ?? 0) + value;
      else throw new Error(`unsupported ${clause} value`);
    }
  }
  return out;
}

function rename(u: UpdateOp, tag: string): UpdateOp {
  const swap = (text: string) => text.replace(/([#:])(\w+)/g, (_m, sigil: string, name: string) => `${sigil}${tag}${name}`);
  const prefix = <T>(map: Record<string, T> | undefined, sigil: string) =>
    map ? Object.fromEntries(Object.entries(map).map(([k, v]) => [`${sigil}${tag}${k.slice(1)}`, v])) : undefined;
  return {
    ...u,
    UpdateExpression: swap(u.UpdateExpression),
    ...(u.ConditionExpression ? { ConditionExpression: swap(u.ConditionExpression) } : {}),
    ExpressionAttributeNames: prefix(u.ExpressionAttributeNames, '#'),
    ExpressionAttributeValues: prefix(u.ExpressionAttributeValues, ':'),
  };
}

/** Two updates of one item as one (the second's SETs win; set additions to one attribute are united). */
function mergeUpdates(a: UpdateOp, b: UpdateOp, tag: string): UpdateOp {
  const second = rename(b, tag);
  const names = { ...a.ExpressionAttributeNames, ...second.ExpressionAttributeNames };
  const values: Record<string, unknown> = { ...a.ExpressionAttributeValues, ...second.ExpressionAttributeValues };
  const ca = clausesOf(a.UpdateExpression);
  const cb = clausesOf(second.UpdateExpression);
  const target = (part: string) => resolvePath(part.split(/\s*=\s*|\s+/)[0] as string, names).join('.');
  const merged: Clauses = { SET: [], REMOVE: [], ADD: [], DELETE: [] };
  for (const clause of CLAUSES) {
    const later = new Map(cb[clause].map((p) => [target(p), p]));
    for (const part of ca[clause]) {
      const other = later.get(target(part));
      if (!other) merged[clause].push(part);
      else if (clause === 'ADD' || clause === 'DELETE') {
        // Both add to (or take from) one set: one clause with the union of the members.
        const [, mine] = part.split(/\s+/) as [string, string];
        const [, theirs] = other.split(/\s+/) as [string, string];
        values[mine] = new Set([...(values[mine] as Set<unknown>), ...(values[theirs] as Set<unknown>)]);
        later.delete(target(part));
        merged[clause].push(part);
      }
    }
    merged[clause].push(...later.values());
  }
  const touched = (clause: keyof Clauses) => merged[clause].map(target);
  const all = [...touched('SET'), ...touched('REMOVE'), ...touched('ADD'), ...touched('DELETE')];
  if (new Set(all).size !== all.length) throw new Error('overlapping paths');
  const conditions = [a.ConditionExpression, second.ConditionExpression].filter(Boolean);
  return {
    Key: a.Key,
    UpdateExpression: joinClauses(merged),
    ...(conditions.length ? { ConditionExpression: conditions.map((c) => `(${c})`).join(' AND ') } : {}),
    ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
    ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
  };
}

const isExistenceCheck = (op: WriteOp) => op.ConditionCheck?.ConditionExpression === 'attribute_exists(pk)';

/**
 * The plans (`owner[i]` says which request each item came from) as one list with one write per item.
 * Throws Unmergeable naming the two requests whose writes collide.
 */
export function mergePlans(items: TxItem[], owners: number[]): { items: TxItem[]; owners: number[] } {
  const byKey = new Map<string, number>();
  const out: TxItem[] = [];
  const outOwners: number[] = [];
  items.forEach((txItem, i) => {
    const owner = owners[i] as number;
    const k = keyString(keyOfWrite(txItem.item));
    const at = byKey.get(k);
    if (at === undefined) {
      byKey.set(k, out.length);
      out.push(txItem);
      outOwners.push(owner);
      return;
    }
    const before = out[at] as TxItem;
    const fail = () => new Unmergeable(outOwners[at] as number, owner, before);
    const a = before.item;
    const b = txItem.item;
    // A check that the item exists, next to its deletion, fails as it would after the commit.
    if (isExistenceCheck(b) && a.Delete) throw txItem.onConditionFailed?.() ?? fail();
    if (isExistenceCheck(b)) return;
    try {
      if (isExistenceCheck(a) && (b.Put || b.Update)) {
        out[at] = txItem;
        outOwners[at] = owner;
      } else if (a.Put && b.Update) out[at] = { ...before, item: { Put: { ...a.Put, Item: applyUpdate(a.Put.Item, b.Update) } } };
      else if (a.Update && b.Update) out[at] = { ...before, item: { Update: mergeUpdates(a.Update, b.Update, `m${i}_`) } };
      // A second put of the same key (a name guard, an id) fails as it would after the commit.
      else if (a.Put && b.Put && txItem.onConditionFailed) throw txItem.onConditionFailed();
      else throw fail();
    } catch (error) {
      // An expression the fold does not understand (a plain Error) is a collision like any other.
      throw (error as Error).name === 'Error' ? fail() : error;
    }
  });
  return { items: out, owners: outOwners };
}
