/**
 * `filter[job]` in RSQL (contract §3.3), parsed with @rsql/parser into a small typed tree. Every
 * field, operator and value is checked here, so a bad filter is a 400 that names what is wrong and
 * nothing reaches DynamoDB unchecked.
 */
import { Invalid, parameter } from '../../domain/errors';
import { parse } from '@rsql/parser';
import type { ExpressionNode } from '@rsql/ast';
import { JOB_STATUSES } from '../../domain/job-status';
import { JOB_VIA } from '../../domain/records';

export const FILTER_FIELDS = ['status', 'via', 'templateReference', 'commitId', 'createdBy', 'createdDate', 'workspace.id', 'id'] as const;
export type FilterField = (typeof FILTER_FIELDS)[number];
export type FilterOp = 'eq' | 'ne' | 'in' | 'out' | 'lt' | 'le' | 'gt' | 'ge';
export type FilterValue = string | number;

/** Fields the service itself adds to a search (never parsed from a client). */
export type InternalField = 'organizationId';

export type Filter =
  | { kind: 'cmp'; field: FilterField | InternalField; op: FilterOp; values: FilterValue[] }
  | { kind: 'and' | 'or'; items: Filter[] };

const OPERATORS: Record<string, FilterOp> = {
  '==': 'eq',
  '!=': 'ne',
  '=in=': 'in',
  '=out=': 'out',
  '=lt=': 'lt',
  '<': 'lt',
  '=le=': 'le',
  '<=': 'le',
  '=gt=': 'gt',
  '>': 'gt',
  '=ge=': 'ge',
  '>=': 'ge',
};
const ORDERED: ReadonlySet<FilterField> = new Set(['id', 'createdDate']);
const MAX_LENGTH = 4000;
const MAX_COMPARISONS = 40;
const MAX_LIST = 50;
const PARAM = parameter('filter[job]');

const fail = (detail: string) => new Invalid(`filter[job]: ${detail}`, PARAM);

function checkValue(field: FilterField, raw: string): FilterValue {
  switch (field) {
    case 'status':
      if (!(JOB_STATUSES as readonly string[]).includes(raw)) throw fail(`'${raw}' is not a job status (${JOB_STATUSES.join(', ')})`);
      return raw;
    case 'via':
      if (!(JOB_VIA as readonly string[]).includes(raw)) throw fail(`'${raw}' is not a via value (${JOB_VIA.join(', ')})`);
      return raw;
    case 'id':
      if (!/^[1-9][0-9]{0,9}$/.test(raw)) throw fail(`id '${raw}' is not a job id`);
      return Number(raw);
    case 'createdDate': {
      // A time without a zone means UTC (a bare date already does in JavaScript).
      const iso = raw.replace(' ', 'T');
      const date = new Date(/T/.test(iso) && !/(Z|[+-]\d{2}:?\d{2})$/i.test(iso) ? `${iso}Z` : iso);
      if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i.test(iso) || Number.isNaN(date.getTime())) {
        throw fail(`createdDate '${raw}' is not an ISO-8601 date or time`);
      }
      return date.toISOString();
    }
    case 'workspace.id':
      if (!/^[0-9a-f-]{36}$/i.test(raw)) throw fail(`workspace.id '${raw}' is not a workspace id`);
      return raw.toLowerCase();
    default:
      if (raw.length > 320) throw fail(`the value for ${field} is too long`);
      return raw;
  }
}

function convert(node: ExpressionNode, count: { n: number }): Filter {
  if (node.type === 'LOGIC') {
    const kind = node.operator === ';' || node.operator === 'and' ? 'and' : 'or';
    const items = [node.left, node.right].map((n) => convert(n, count));
    // Flatten a;b;c into one list.
    return { kind, items: items.flatMap((i) => (i.kind === kind ? (i as { items: Filter[] }).items : [i])) };
  }
  if (++count.n > MAX_COMPARISONS) throw fail(`at most ${MAX_COMPARISONS} comparisons are supported`);
  const selector = node.left.selector;
  if (!(FILTER_FIELDS as readonly string[]).includes(selector)) {
    throw fail(`unsupported field '${selector}' (supported: ${FILTER_FIELDS.join(', ')})`);
  }
  const field = selector as FilterField;
  const op = OPERATORS[node.operator];
  if (!op) throw fail(`unsupported operator '${node.operator}' (supported: ==, !=, =in=, =out=, =lt=, =le=, =gt=, =ge=)`);
  if (['lt', 'le', 'gt', 'ge'].includes(op) && !ORDERED.has(field)) throw fail(`operator '${node.operator}' does not apply to ${field}`);
  const raw = node.right.value;
  const list = Array.isArray(raw) ? raw : [raw];
  // `status=in=pending` (no parentheses) is a one-value list; a list is only for =in= and =out=.
  if (Array.isArray(raw) && op !== 'in' && op !== 'out') throw fail(`operator '${node.operator}' takes one value, not a list`);
  if (list.length === 0 || list.length > MAX_LIST) throw fail(`a value list has 1 to ${MAX_LIST} values`);
  return { kind: 'cmp', field, op, values: list.map((v) => checkValue(field, String(v))) };
}

export function parseFilter(raw: string | undefined): Filter | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  if (raw.length > MAX_LENGTH) throw fail(`the filter is longer than ${MAX_LENGTH} characters`);
  let ast: ExpressionNode;
  try {
    ast = parse(raw);
  } catch (error) {
    throw fail(`not valid RSQL (${(error as Error).message})`);
  }
  return convert(ast, { n: 0 });
}

/** The comparisons that must all hold (the top-level `;` list), for choosing keys. */
export function conjuncts(filter: Filter | undefined): Filter[] {
  if (!filter) return [];
  return filter.kind === 'and' ? filter.items : [filter];
}
