/**
 * Turns a job search (scope, filter, sort) into DynamoDB Queries on a key or an index: the workspace
 * and status conditions of the filter pick the index, id conditions bound its sort key, and only what
 * remains becomes a FilterExpression. A page of the common searches (a workspace's jobs, an org's jobs
 * by status, newest first) is therefore one Query per status asked for, never a Scan.
 */
import { createHash } from 'node:crypto';
import { JOB_STATUSES, type JobStatus } from '../../domain/job-status';
import { partitions, type Partition } from '../../store/keys';
import { conjuncts, type Filter, type FilterField, type InternalField } from './filter';

export const SORTS = ['id', '-id', 'createdDate', '-createdDate', 'status', '-status'] as const;
export type Sort = (typeof SORTS)[number];

export interface Scope {
  organizationId: string;
  /** Set on the v1.3 path /workspace/{ws}/job. */
  workspaceId?: string;
}

/** One partition of job items (keys.ts) that a search reads, and the status all its jobs have, if one. */
export type Source = Partition & { sk: [name: string, prefix: string]; status?: JobStatus };

export interface CompiledFilter {
  expression: string;
  names: Record<string, string>;
  values: Record<string, unknown>;
}

export interface Plan {
  sources: Source[];
  /** merge: k sources interleaved by id; concat: one source after another (sort by status). */
  mode: 'merge' | 'concat';
  descending: boolean;
  /** Inclusive id bounds taken from the filter. */
  range: { lo: number; hi: number };
  filter?: CompiledFilter;
  /** The filter cannot match anything (e.g. two different workspaces). */
  empty: boolean;
  /** Identifies the search, so a cursor cannot be replayed against another one. */
  fingerprint: string;
}

export const MAX_JOB_ID = 9_999_999_999;

const ATTRIBUTE: Record<FilterField | InternalField, string> = {
  organizationId: 'organizationId',
  status: 'status',
  via: 'via',
  templateReference: 'templateReference',
  commitId: 'commitId',
  createdBy: 'createdBy',
  createdDate: 'createdDate',
  'workspace.id': 'workspaceId',
  id: 'id',
};
const COMPARATOR = { eq: '=', ne: '<>', lt: '<', le: '<=', gt: '>', ge: '>=' } as const;

export function compileFilter(filter: Filter | undefined, extra: Filter[] = []): CompiledFilter | undefined {
  const all = filter ? [filter, ...extra] : extra;
  if (all.length === 0) return undefined;
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  let n = 0;
  const emit = (f: Filter): string => {
    if (f.kind !== 'cmp') return `(${f.items.map(emit).join(f.kind === 'and' ? ' AND ' : ' OR ')})`;
    const name = `#f${n}`;
    names[name] = ATTRIBUTE[f.field];
    const placeholders = f.values.map((value, i) => {
      const key = `:f${n}_${i}`;
      values[key] = value;
      return key;
    });
    n++;
    if (f.op === 'in') return `${name} IN (${placeholders.join(', ')})`;
    if (f.op === 'out') return `NOT (${name} IN (${placeholders.join(', ')}))`;
    return `${name} ${COMPARATOR[f.op]} ${placeholders[0]}`;
  };
  const expression = all.length === 1 ? emit(all[0] as Filter) : emit({ kind: 'and', items: all });
  return { expression, names, values };
}

function idBounds(c: Extract<Filter, { kind: 'cmp' }>): { lo: number; hi: number } | undefined {
  const v = Number(c.values[0]);
  switch (c.op) {
    case 'eq':
      return { lo: v, hi: v };
    case 'lt':
      return { lo: 1, hi: v - 1 };
    case 'le':
      return { lo: 1, hi: v };
    case 'gt':
      return { lo: v + 1, hi: MAX_JOB_ID };
    case 'ge':
      return { lo: v, hi: MAX_JOB_ID };
    default:
      return undefined;
  }
}

export function planSearch(scope: Scope, filter: Filter | undefined, sort: Sort, rawFilter = ''): Plan {
  let workspaceId = scope.workspaceId;
  let statuses: JobStatus[] | undefined;
  const range = { lo: 1, hi: MAX_JOB_ID };
  let empty = false;
  const residual: Filter[] = [];
  const extra: Filter[] = [];

  for (const c of conjuncts(filter)) {
    if (c.kind !== 'cmp') {
      residual.push(c);
      continue;
    }
    if (c.field === 'workspace.id' && c.op === 'eq') {
      const ws = String(c.values[0]);
      if (workspaceId && workspaceId !== ws) empty = true;
      if (!scope.workspaceId) {
        // A workspace named in the filter may belong to another organization: keep the org check.
        extra.push({ kind: 'cmp', field: 'organizationId', op: 'eq', values: [scope.organizationId] });
      }
      workspaceId = ws;
      continue;
    }
    if (c.field === 'status' && (c.op === 'eq' || c.op === 'in')) {
      const asked = c.values.map(String) as JobStatus[];
      statuses = statuses ? statuses.filter((s) => asked.includes(s)) : [...new Set(asked)];
      continue;
    }
    const bounds = c.field === 'id' ? idBounds(c) : undefined;
    if (bounds) {
      range.lo = Math.max(range.lo, bounds.lo);
      range.hi = Math.min(range.hi, bounds.hi);
      continue;
    }
    residual.push(c);
  }
  if (statuses?.length === 0 || range.lo > range.hi) empty = true;

  const byStatus = sort === 'status' || sort === '-status';
  const sourceFor = (status?: JobStatus): Source => {
    const partition = status
      ? workspaceId
        ? partitions.jobsOfWorkspaceWithStatus(workspaceId, status)
        : partitions.jobsOfOrganizationWithStatus(scope.organizationId, status)
      : workspaceId
        ? partitions.jobsOfWorkspace(workspaceId)
        : partitions.jobsOfOrganization(scope.organizationId);
    return { ...partition, sk: partition.sk as [string, string], ...(status ? { status } : {}) };
  };
  let sources: Source[];
  if (byStatus) {
    const ordered = [...(statuses ?? JOB_STATUSES)].sort();
    sources = (sort === '-status' ? ordered.reverse() : ordered).map(sourceFor);
  } else {
    sources = statuses ? statuses.map(sourceFor) : [sourceFor()];
  }
  const residualFilter: Filter | undefined = residual.length === 0 ? undefined : residual.length === 1 ? residual[0] : { kind: 'and', items: residual };
  return {
    sources,
    mode: byStatus ? 'concat' : 'merge',
    descending: sort !== 'id' && sort !== 'createdDate',
    range,
    filter: compileFilter(residualFilter, extra),
    empty,
    fingerprint: createHash('sha256').update(JSON.stringify([scope, rawFilter, sort])).digest('base64url').slice(0, 12),
  };
}
