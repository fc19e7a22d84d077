/**
 * Elide's collection arguments over rows already read: `ids`, `filter` (RSQL), `sort` ("a,-b"),
 * `first` (page size, default 500 as in Elide) and `after` (an offset, as in Elide's offset paging),
 * answered as a Relay connection with Elide's pageInfo (and totalCount).
 */
import { parse } from '@rsql/parser';
import type { ExpressionNode } from '@rsql/ast';
import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';

export const DEFAULT_PAGE = 500;
export const MAX_PAGE = 500;
/** Nodes one request may return in all, across every connection. */
export const MAX_NODES = 10_000;

export interface CollectionArgs {
  ids?: string[] | null;
  filter?: string | null;
  sort?: string | null;
  first?: string | number | null;
  after?: string | number | null;
}

export interface Connection<T> {
  edges: { node: T; cursor: string }[];
  pageInfo: { hasPreviousPage: boolean; hasNextPage: boolean; startCursor: string | null; endCursor: string | null; totalRecords: number | null };
  totalCount: number | null;
}

export interface Budget {
  nodes: number;
}

/** Elide's "String or Int" for first/after. */
export const StringOrInt = new GraphQLScalarType({
  name: 'GraphQLStringOrInt',
  description: 'A string or an integer (Elide: first, after).',
  serialize: (v) => v,
  parseValue: (v) => {
    if (typeof v === 'string' || typeof v === 'number') return v;
    throw new GraphQLError('expected a string or an integer');
  },
  parseLiteral: (ast) => {
    if (ast.kind === Kind.STRING || ast.kind === Kind.INT) return ast.value;
    throw new GraphQLError('expected a string or an integer');
  },
});

function whole(name: string, raw: string | number | null | undefined, fallback: number, max: number): number {
  if (raw === undefined || raw === null || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0 || n > max) throw new GraphQLError(`${name} must be a whole number from 0 to ${max}`);
  return n;
}

export function paging(args: CollectionArgs): { offset: number; limit: number } {
  const limit = whole('first', args.first, DEFAULT_PAGE, MAX_PAGE);
  if (args.first !== undefined && args.first !== null && limit === 0) throw new GraphQLError('first must be at least 1');
  return { offset: whole('after', args.after, 0, 100_000), limit };
}

export function spend(budget: Budget, n: number): void {
  budget.nodes += n;
  if (budget.nodes > MAX_NODES) throw new GraphQLError(`the result exceeds ${MAX_NODES} nodes; narrow the query with ids, filter or first`);
}

export function toConnection<T>(page: T[], offset: number, hasNextPage: boolean, total: number | null, budget: Budget): Connection<T> {
  spend(budget, page.length);
  return {
    edges: page.map((node, i) => ({ node, cursor: String(offset + i) })),
    pageInfo: {
      hasPreviousPage: offset > 0,
      hasNextPage,
      startCursor: page.length ? String(offset) : null,
      endCursor: page.length ? String(offset + page.length) : null,
      totalRecords: total,
    },
    totalCount: total,
  };
}

type Row = Record<string, unknown>;

const text = (v: unknown): string => (v === null || v === undefined ? '' : String(v));

function compare(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' || typeof b === 'boolean') return Number(a === true) - Number(b === true);
  return text(a).localeCompare(text(b));
}

function like(value: unknown, pattern: string): boolean {
  if (!pattern.includes('*')) return text(value).toLowerCase() === pattern.toLowerCase() || compare(value, coerce(value, pattern)) === 0;
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
    'i',
  );
  return re.test(text(value));
}

function coerce(sample: unknown, raw: string): unknown {
  if (typeof sample === 'number') return Number(raw);
  if (typeof sample === 'boolean') return raw === 'true';
  return raw;
}

function matches(node: ExpressionNode, row: Row, fields: readonly string[]): boolean {
  if (node.type === 'LOGIC') {
    const and = node.operator === ';' || node.operator === 'and';
    return and ? matches(node.left, row, fields) && matches(node.right, row, fields) : matches(node.left, row, fields) || matches(node.right, row, fields);
  }
  const field = node.left.selector;
  if (!fields.includes(field)) throw new GraphQLError(`filter: unknown field '${field}' (supported: ${fields.join(', ')})`);
  const value = row[field];
  const values = (Array.isArray(node.right.value) ? node.right.value : [node.right.value]).map(String);
  const first = values[0] as string;
  switch (node.operator) {
    case '==':
      return like(value, first);
    case '!=':
      return !like(value, first);
    case '=in=':
      return values.some((v) => like(value, v));
    case '=out=':
      return !values.some((v) => like(value, v));
    case '=lt=':
    case '<':
      return compare(value, coerce(value, first)) < 0;
    case '=le=':
    case '<=':
      return compare(value, coerce(value, first)) <= 0;
    case '=gt=':
    case '>':
      return compare(value, coerce(value, first)) > 0;
    case '=ge=':
    case '>=':
      return compare(value, coerce(value, first)) >= 0;
    default:
      throw new GraphQLError(`filter: unsupported operator '${node.operator}'`);
  }
}

export function filterRows<T>(rows: T[], filter: string | null | undefined, view: (row: T) => Row, fields: readonly string[]): T[] {
  if (!filter || filter.trim() === '') return rows;
  if (filter.length > 4000) throw new GraphQLError('filter: longer than 4000 characters');
  let ast: ExpressionNode;
  try {
    ast = parse(filter);
  } catch (error) {
    throw new GraphQLError(`filter: not valid RSQL (${(error as Error).message})`);
  }
  return rows.filter((r) => matches(ast, view(r), fields));
}

export function sortRows<T>(rows: T[], sort: string | null | undefined, view: (row: T) => Row, fields: readonly string[]): T[] {
  if (!sort || sort.trim() === '') return rows;
  const keys = sort
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => ({ field: s.replace(/^[-+]/, ''), desc: s.startsWith('-') }));
  for (const k of keys) if (!fields.includes(k.field)) throw new GraphQLError(`sort: unknown field '${k.field}' (supported: ${fields.join(', ')})`);
  return [...rows].sort((a, b) => {
    for (const k of keys) {
      const c = compare(view(a)[k.field], view(b)[k.field]);
      if (c !== 0) return k.desc ? -c : c;
    }
    return 0;
  });
}

/** ids, filter, sort and a page over rows already read (an organization's workspaces, teams, templates...). */
export function connectionOf<T extends { id: string | number }>(
  rows: T[],
  args: CollectionArgs,
  budget: Budget,
  view: (row: T) => Row,
  fields: readonly string[],
): Connection<T> {
  const { offset, limit } = paging(args);
  let selected = args.ids ? rows.filter((r) => (args.ids as string[]).includes(String(r.id))) : rows;
  selected = sortRows(filterRows(selected, args.filter, view, fields), args.sort, view, fields);
  return toConnection(selected.slice(offset, offset + limit), offset, selected.length > offset + limit, selected.length, budget);
}

export const emptyConnection = (): Connection<never> => toConnection([], 0, false, 0, { nodes: 0 });
