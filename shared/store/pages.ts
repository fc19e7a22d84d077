/**
 * One page of a partition (keys.ts) per Query: the items whose sort key begins with a prefix, `limit`
 * at a time, and where the next page starts. A page's start is handed to clients as an opaque cursor;
 * coming back, it is checked to be a position in this very partition before DynamoDB sees it.
 */
import { Invalid, parameter } from '../domain/errors';
import type { Partition } from './keys';
import { query, type Item } from './table';

export interface PageOfItems {
  items: Item[];
  /** Where the next page starts (the last item's keys); absent on the last page. */
  next?: Record<string, string>;
}

export interface PageRequest {
  limit: number;
  /** A start position (from `decodeCursor`), or none for the first page. */
  start?: Record<string, string>;
}

const keyNames = (p: Partition): string[] => ['pk', 'sk', ...(p.index ? [`${p.index}pk`, `${p.index}sk`] : [])];
const sortKeyName = (p: Partition) => (p.index ? `${p.index}sk` : 'sk');

function condition(partition: Partition, prefix: string | undefined) {
  const [pkName, pkValue] = partition.pk;
  return {
    index: partition.index,
    KeyConditionExpression: `#pk = :pk${prefix ? ' AND begins_with(#sk, :sk)' : ''}`,
    ExpressionAttributeNames: { '#pk': pkName, ...(prefix ? { '#sk': sortKeyName(partition) } : {}) },
    ExpressionAttributeValues: { ':pk': pkValue, ...(prefix ? { ':sk': prefix } : {}) },
  };
}

const positionOf = (partition: Partition, item: Item): Record<string, string> => Object.fromEntries(keyNames(partition).map((k) => [k, String(item[k])]));

/** One Query: up to `limit` items (one more is read to learn whether another page exists). */
export async function readPage(partition: Partition, page: PageRequest, options: { prefix?: string; descending?: boolean } = {}): Promise<PageOfItems> {
  const res = await query({ ...condition(partition, options.prefix), Limit: page.limit + 1, ExclusiveStartKey: page.start, ScanIndexForward: !options.descending });
  const items = res.items.slice(0, page.limit);
  const last = items.at(-1);
  return { items, ...(res.items.length > page.limit && last ? { next: positionOf(partition, last) } : {}) };
}

/** The position after the first `count` items (page[number]: the earlier pages are walked reading keys only). */
export async function skipItems(partition: Partition, count: number, options: { prefix?: string; descending?: boolean } = {}): Promise<Record<string, string> | 'past-the-end'> {
  let start: Record<string, unknown> | undefined;
  let seen = 0;
  let last: Item | undefined;
  while (seen < count) {
    const res = await query({
      ...condition(partition, options.prefix),
      ProjectionExpression: keyNames(partition).join(', '),
      Limit: count - seen,
      ExclusiveStartKey: start,
      ScanIndexForward: !options.descending,
    });
    seen += res.items.length;
    last = res.items.at(-1) ?? last;
    start = res.lastKey;
    if (!start) break;
  }
  return seen < count || !last ? 'past-the-end' : positionOf(partition, last);
}

export const encodeCursor = (position: Record<string, string>): string => Buffer.from(JSON.stringify(position)).toString('base64url');

/** A client's page[cursor] as a position in `partition`; anything else (another partition, forged keys) is a 400. */
export function decodeCursor(raw: string, partition: Partition, prefix = ''): Record<string, string> {
  const refuse = () => new Invalid('page[cursor] is not a cursor this list issued', parameter('page[cursor]'));
  let position: unknown;
  try {
    position = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw refuse();
  }
  const names = keyNames(partition);
  if (typeof position !== 'object' || position === null || Array.isArray(position)) throw refuse();
  const entries = Object.entries(position);
  if (entries.length !== names.length || !entries.every(([k, v]) => names.includes(k) && typeof v === 'string' && v.length <= 1024)) throw refuse();
  const p = position as Record<string, string>;
  if (p[partition.pk[0]] !== partition.pk[1] || !(p[sortKeyName(partition)] ?? '').startsWith(prefix)) throw refuse();
  return p;
}
