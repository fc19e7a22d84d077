/**
 * Listing and searching jobs (contract §3.3) on GET /organization/{org}/job and GET /workspace/{ws}/job:
 * filter[job] (RSQL), sort, page[size|number|totals|cursor], fields[job], include. Up to 500 jobs a page
 * (also without page parameters, as Elide); links.next/prev carry an opaque cursor (the cheap path: one
 * Query per source per page); page[number] skips from the start.
 */
import { Invalid, parameter } from '../domain/errors';
import type { ApiRequest, ApiResponse } from '../http/api-handler';
import { document, type ResourceObject } from '../http/jsonapi';
import { requireMember } from '../domain/permissions';
import { JOB_STATUSES, type JobStatus } from '../domain/job-status';
import type { JobRecord, OrganizationRecord } from '../domain/records';
import { parseFilter } from '../jobs/search/filter';
import { countJobs, fetchJobs, type Position } from '../store/repositories/job-search';
import { SORTS, planSearch, type Plan, type Scope, type Sort } from '../jobs/search/plan';
import { getOrganization } from '../store/repositories/organizations';
import { workspaceRef } from '../store/repositories/workspaces';
import { readMany } from '../store/repositories/batch';
import { API_PREFIX, ok, orgParam } from './common';
import { jobAttributes, jobResource, parseIncludes, stepResource } from './job-documents';
import { organizationResource } from './organizations';
import { workspaceResource } from './workspaces';

export const JOB_LIST_QUERY = ['filter[job]', 'sort', 'page[size]', 'page[number]', 'page[totals]', 'page[cursor]', 'fields[job]', 'include'] as const;
/** Without page parameters a list returns up to 500 jobs, as Terrakube's server (Elide) does; links.next goes on. */
const DEFAULT_SIZE = 500;
const MAX_SIZE = 500;
const MAX_OFFSET = 10_000;
const RELATIONSHIPS = ['organization', 'workspace', 'step', 'address'];

interface Cursor {
  /** a: the page after the position; b: the page before it. */
  d: 'a' | 'b';
  i: number;
  s?: JobStatus;
  /** Page number of the page the cursor leads to. */
  n: number;
  /** Fingerprint of the search the cursor belongs to. */
  f: string;
}

function integerParam(req: ApiRequest, name: string, min: number, max: number): number | undefined {
  const raw = req.query.get(name);
  if (raw === undefined) return undefined;
  if (!/^\d{1,7}$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new Invalid(`${name} must be an integer from ${min} to ${max}`, parameter(name));
  }
  return Number(raw);
}

function sortParam(req: ApiRequest): Sort {
  const raw = req.query.get('sort') ?? '-id';
  if (!(SORTS as readonly string[]).includes(raw)) {
    throw new Invalid(`sort '${raw}' is not supported (supported: ${SORTS.join(', ')})`, parameter('sort'));
  }
  return raw as Sort;
}

function fieldsParam(req: ApiRequest): Set<string> | undefined {
  const raw = req.query.get('fields[job]');
  if (raw === undefined) return undefined;
  const known = [...Object.keys(jobAttributes({ steps: [] } as unknown as JobRecord)), ...RELATIONSHIPS];
  const fields = new Set(
    raw
      .split(',')
      .map((f) => f.trim())
      .filter(Boolean),
  );
  for (const f of fields) if (!known.includes(f)) throw new Invalid(`fields[job]: unknown field '${f}'`, parameter('fields[job]'));
  return fields;
}

function cursorParam(req: ApiRequest, plan: Plan): Cursor | undefined {
  const raw = req.query.get('page[cursor]');
  if (raw === undefined) return undefined;
  if (req.query.has('page[number]')) throw new Invalid('use page[cursor] or page[number], not both', parameter('page[cursor]'));
  let cursor: Cursor | undefined;
  try {
    const c = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Cursor;
    const validStatus = c.s === undefined || (JOB_STATUSES as readonly string[]).includes(c.s);
    if ((c.d === 'a' || c.d === 'b') && Number.isSafeInteger(c.i) && c.i > 0 && Number.isSafeInteger(c.n) && c.n > 0 && validStatus && typeof c.f === 'string')
      cursor = c;
  } catch {
    // reported below
  }
  if (!cursor) throw new Invalid('page[cursor] is not a cursor this service issued', parameter('page[cursor]'));
  if (cursor.f !== plan.fingerprint)
    throw new Invalid('page[cursor] belongs to a different search; keep filter and sort unchanged while paging', parameter('page[cursor]'));
  return cursor;
}

const encodeCursor = (c: Cursor) => Buffer.from(JSON.stringify(c)).toString('base64url');
const position = (job: JobRecord, plan: Plan): Position => ({ id: job.id, ...(plan.mode === 'concat' ? { status: job.status } : {}) });
const cursorAt = (d: Cursor['d'], job: JobRecord, plan: Plan, n: number): Cursor => ({
  d,
  i: job.id,
  ...(plan.mode === 'concat' ? { s: job.status } : {}),
  n,
  f: plan.fingerprint,
});

function pageLink(req: ApiRequest, path: string, override: Record<string, string | undefined>): string {
  const params = new Map(req.query);
  params.delete('page[number]');
  params.delete('page[cursor]');
  for (const [k, v] of Object.entries(override)) if (v !== undefined) params.set(k, v);
  const query = [...params].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
  return `${req.baseUrl}${API_PREFIX}${path}${query ? `?${query}` : ''}`;
}

/** The search itself, once the caller may read the organization. */
export async function searchJobs(req: ApiRequest, scope: Scope, org: OrganizationRecord, path: string): Promise<ApiResponse> {
  const size = integerParam(req, 'page[size]', 1, MAX_SIZE) ?? DEFAULT_SIZE;
  const number = integerParam(req, 'page[number]', 1, 1_000_000) ?? 1;
  const sort = sortParam(req);
  const fields = fieldsParam(req);
  const includes = parseIncludes(req);
  const rawFilter = req.query.get('filter[job]');
  const plan = planSearch(scope, parseFilter(rawFilter), sort, rawFilter ?? '');
  const cursor = cursorParam(req, plan);
  const totals = req.query.has('page[totals]') && req.query.get('page[totals]') !== 'false';
  if (!cursor && (number - 1) * size > MAX_OFFSET) {
    throw new Invalid(`page[number] reaches past ${MAX_OFFSET} jobs; follow links.next instead`, parameter('page[number]'));
  }

  let jobs: JobRecord[];
  let hasNext: boolean;
  let hasPrev: boolean;
  let pageNumber = cursor?.n ?? number;
  if (cursor?.d === 'b') {
    const fetched = await fetchJobs(plan, { from: { id: cursor.i, status: cursor.s }, backward: true, limit: size });
    ({ jobs } = fetched);
    hasPrev = fetched.more;
    hasNext = true;
    if (!hasPrev) pageNumber = 1;
  } else {
    let from: Position | undefined = cursor ? { id: cursor.i, status: cursor.s } : undefined;
    let reachable = true;
    if (!cursor && number > 1) {
      // page[number]: walk past the earlier pages reading ids only (the expensive path).
      const skipped = await fetchJobs(plan, { limit: (number - 1) * size, projection: 'id, #status' });
      const last = skipped.jobs.at(-1);
      reachable = skipped.jobs.length === (number - 1) * size;
      from = last ? position(last, plan) : undefined;
    }
    const fetched = reachable ? await fetchJobs(plan, { from, limit: size }) : { jobs: [], more: false };
    ({ jobs } = fetched);
    hasNext = fetched.more;
    hasPrev = pageNumber > 1;
  }

  const [first, last] = [jobs[0], jobs.at(-1)];
  const links = {
    self: pageLink(req, path, cursor ? { 'page[cursor]': req.query.get('page[cursor]') } : number > 1 ? { 'page[number]': String(number) } : {}),
    first: pageLink(req, path, {}),
    next: hasNext && last ? pageLink(req, path, { 'page[cursor]': encodeCursor(cursorAt('a', last, plan, pageNumber + 1)) }) : null,
    prev: hasPrev && first ? pageLink(req, path, { 'page[cursor]': encodeCursor(cursorAt('b', first, plan, Math.max(1, pageNumber - 1))) }) : null,
  };
  const page: Record<string, number> = { number: pageNumber, limit: size };
  if (totals) {
    page.totalRecords = await countJobs(plan);
    page.totalPages = Math.ceil(page.totalRecords / size);
  }
  return ok(
    document(
      jobs.map((j) => jobResource(req, j, fields)),
      { links, meta: { page }, ...(await included(req, includes, jobs, org)) },
    ),
  );
}

async function included(req: ApiRequest, includes: ReturnType<typeof parseIncludes>, jobs: JobRecord[], org: OrganizationRecord) {
  if (includes.size === 0) return {};
  const resources: ResourceObject[] = [];
  if (includes.has('step')) resources.push(...jobs.flatMap((j) => j.steps.map((s) => stepResource(req, j, s))));
  if (includes.has('workspace') && jobs.length > 0) {
    const workspaces = await readMany([...new Set(jobs.map((j) => j.workspaceId))].map(workspaceRef));
    resources.push(...workspaces.map((w) => workspaceResource(req, w)));
  }
  if (includes.has('organization')) resources.push(organizationResource(req, org));
  return { included: resources };
}

export async function listOrganizationJobs(req: ApiRequest): Promise<ApiResponse> {
  const orgId = orgParam(req);
  const org = requireMember(req.principal, await getOrganization(orgId), orgId);
  return searchJobs(req, { organizationId: orgId }, org, `/organization/${orgId}/job`);
}
