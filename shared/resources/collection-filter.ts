/**
 * `filter[<type>]=<RSQL>` (and the untyped `filter=`) on the collections Terrakube's clients filter
 * (contract §8): RSQL parsed with @rsql/parser, every field, operator and value checked against the
 * type's simple attributes, then evaluated on what the client would read (the rendered attributes).
 *
 * Elide's dialect, as Terrakube's clients use it: `==` and `!=` with `*` at either end for prefix,
 * suffix and infix matches (case-sensitive), `=in=`/`=out=` lists, `=ini=` (case-insensitive in),
 * `=lt= =le= =gt= =ge=` (and `< <= > >=`), `=isnull=true|false`, `;`/`and`, `,`/`or`, parentheses,
 * quoted values. One leniency beyond Elide: an unquoted value with spaces (the GitHub Action sends
 * `name==Plan%20and%20apply`) is read as if it were quoted.
 */
import { parse } from '@rsql/parser';
import type { ExpressionNode } from '@rsql/ast';
import { Invalid, parameter } from '../domain/errors';

export type FieldKind = 'string' | 'boolean' | 'number';

interface Comparison {
  kind: 'cmp';
  field: string;
  op: string;
  values: string[];
}
export type Filter = Comparison | { kind: 'and' | 'or'; items: Filter[] };

const OPERATORS = new Set(['==', '!=', '=in=', '=out=', '=ini=', '=lt=', '=le=', '=gt=', '=ge=', '<', '<=', '>', '>=', '=isnull=']);
const ORDERED = new Set(['=lt=', '=le=', '=gt=', '=ge=', '<', '<=', '>', '>=']);
const MAX_LENGTH = 4000;
const MAX_COMPARISONS = 40;
const MAX_LIST = 100;

/** Unquoted values containing spaces, quoted (only tried when the filter does not parse as it is). */
const quoteSpacedValues = (raw: string) =>
  raw.replace(/(==|!=|=[a-z]+=|<=|>=|<|>)([^'"();,]*\s[^'"();,]*?)(?=\s*(?:[;,)]|$))/gi, (_m, op: string, value: string) => `${op}'${value.trim()}'`);

function parseRsql(raw: string, fail: (d: string) => Invalid): ExpressionNode {
  try {
    return parse(raw);
  } catch (error) {
    try {
      return parse(quoteSpacedValues(raw));
    } catch {
      throw fail(`not valid RSQL (${(error as Error).message})`);
    }
  }
}

/** Parses and checks a filter against the fields a type offers (name → kind). */
export function parseCollectionFilter(raw: string | undefined, fields: Record<string, FieldKind>, param: string): Filter | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const fail = (detail: string) => new Invalid(`${param}: ${detail}`, parameter(param));
  if (raw.length > MAX_LENGTH) throw fail(`the filter is longer than ${MAX_LENGTH} characters`);
  const count = { n: 0 };
  const convert = (node: ExpressionNode): Filter => {
    if (node.type === 'LOGIC') {
      const kind = node.operator === ';' || node.operator === 'and' ? 'and' : 'or';
      const items = [convert(node.left), convert(node.right)];
      return { kind, items: items.flatMap((i) => (i.kind === kind ? (i as { items: Filter[] }).items : [i])) };
    }
    if (++count.n > MAX_COMPARISONS) throw fail(`at most ${MAX_COMPARISONS} comparisons are supported`);
    const field = node.left.selector;
    const kind = Object.hasOwn(fields, field) ? fields[field] : undefined;
    if (!kind) throw fail(`unsupported field '${field}' (supported: ${Object.keys(fields).join(', ')})`);
    const op = node.operator;
    if (!OPERATORS.has(op)) throw fail(`unsupported operator '${op}' (supported: ${[...OPERATORS].join(' ')})`);
    if (ORDERED.has(op) && kind === 'boolean') throw fail(`operator '${op}' does not apply to ${field}`);
    const raw = node.right.value;
    const many = op === '=in=' || op === '=out=' || op === '=ini=';
    if (Array.isArray(raw) && !many) throw fail(`operator '${op}' takes one value, not a list`);
    const values = (Array.isArray(raw) ? raw : [raw]).map(String);
    if (values.length === 0 || values.length > MAX_LIST) throw fail(`a value list has 1 to ${MAX_LIST} values`);
    for (const value of values) {
      if (value.length > 1024) throw fail(`the value for ${field} is too long`);
      if (op === '=isnull=' ? !['true', 'false'].includes(value) : kind === 'boolean' && !['true', 'false'].includes(value)) {
        throw fail(`'${value}' is not true or false (${field})`);
      }
      if (kind === 'number' && op !== '=isnull=' && !/^-?\d+(\.\d+)?$/.test(value)) throw fail(`'${value}' is not a number (${field})`);
    }
    return { kind: 'cmp', field, op, values };
  };
  return convert(parseRsql(raw, fail));
}

function like(pattern: string, value: string): boolean {
  const starts = pattern.startsWith('*');
  const ends = pattern.length > 1 && pattern.endsWith('*');
  const core = pattern.slice(starts ? 1 : 0, ends ? -1 : undefined);
  if (starts && ends) return value.includes(core);
  if (starts) return value.endsWith(core);
  if (ends) return value.startsWith(core);
  return value === pattern;
}

function compare(value: unknown, target: string): number {
  if (typeof value === 'number') return value - Number(target);
  const s = String(value);
  return s < target ? -1 : s > target ? 1 : 0;
}

function holds(c: Comparison, record: Record<string, unknown>): boolean {
  const value = record[c.field];
  if (c.op === '=isnull=') return (value === null || value === undefined) === (c.values[0] === 'true');
  if (value === null || value === undefined) return c.op === '!=' || c.op === '=out=';
  const text = String(value);
  switch (c.op) {
    case '==':
      return like(c.values[0] as string, text);
    case '!=':
      return !like(c.values[0] as string, text);
    case '=in=':
      return c.values.includes(text);
    case '=out=':
      return !c.values.includes(text);
    case '=ini=':
      return c.values.some((v) => v.toLowerCase() === text.toLowerCase());
    case '=lt=':
    case '<':
      return compare(value, c.values[0] as string) < 0;
    case '=le=':
    case '<=':
      return compare(value, c.values[0] as string) <= 0;
    case '=gt=':
    case '>':
      return compare(value, c.values[0] as string) > 0;
    default:
      return compare(value, c.values[0] as string) >= 0;
  }
}

/** Whether a record (its id and rendered attributes) matches. */
export function matches(filter: Filter | undefined, record: Record<string, unknown>): boolean {
  if (!filter) return true;
  if (filter.kind === 'cmp') return holds(filter, record);
  return filter.kind === 'and' ? filter.items.every((f) => matches(f, record)) : filter.items.some((f) => matches(f, record));
}

/** The exact value an `field==value` comparison that must hold asks for (a look-up by key), if there is one. */
export function exactValue(filter: Filter | undefined, field: string): string | undefined {
  const all = !filter ? [] : filter.kind === 'and' ? filter.items : [filter];
  for (const c of all) {
    if (c.kind === 'cmp' && c.field === field && c.op === '==' && !(c.values[0] as string).includes('*')) return c.values[0];
  }
  return undefined;
}
