/** GET /organization/{org}/job: the organization's jobs, newest first, one Query per page. */
import type { ApiRequest, ApiResponse } from '../http/api-handler';
import { badRequest, parameter } from '../http/errors';
import { document } from '../http/jsonapi';
import { requireMember } from '../domain/permissions';
import type { JobRecord } from '../domain/records';
import { prefixes } from '../store/keys';
import { query, stripKeys } from '../store/table';
import { loadOrganization, ok, orgParam, selfLink, API_PREFIX } from './common';
import { jobResource, parseIncludes, stepResource } from './job-documents';

export const JOB_LIST_QUERY = ['page[size]', 'page[cursor]', 'include'] as const;
const DEFAULT_PAGE_SIZE = 20;
const MAX_PAGE_SIZE = 100;

function pageSize(req: ApiRequest): number {
  const raw = req.query.get('page[size]');
  if (raw === undefined) return DEFAULT_PAGE_SIZE;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > MAX_PAGE_SIZE) {
    throw badRequest(`page[size] must be an integer from 1 to ${MAX_PAGE_SIZE}`, parameter('page[size]'));
  }
  return Number(raw);
}

function cursor(req: ApiRequest): Record<string, unknown> | undefined {
  const raw = req.query.get('page[cursor]');
  if (raw === undefined) return undefined;
  try {
    const key = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (typeof key?.pk === 'string' && typeof key?.sk === 'string') return { pk: key.pk, sk: key.sk };
  } catch {
    // fall through
  }
  throw badRequest('page[cursor] is not a cursor this service issued', parameter('page[cursor]'));
}

export async function listOrganizationJobs(req: ApiRequest): Promise<ApiResponse> {
  const orgId = orgParam(req);
  const size = pageSize(req);
  const start = cursor(req);
  const includes = parseIncludes(req);
  requireMember(req.principal, await loadOrganization(orgId), orgId);
  const page = await query({
    KeyConditionExpression: 'pk = :p AND begins_with(sk, :s)',
    ExpressionAttributeValues: { ':p': `ORG#${orgId}`, ':s': prefixes.job },
    ScanIndexForward: false,
    Limit: size,
    ExclusiveStartKey: start,
  });
  const jobs = page.items.map((i) => stripKeys<JobRecord>(i));
  const base = `${req.baseUrl}${API_PREFIX}/organization/${orgId}/job?page[size]=${size}`;
  const next = page.lastKey ? `${base}&page[cursor]=${Buffer.from(JSON.stringify(page.lastKey)).toString('base64url')}` : null;
  return ok(document(jobs.map((j) => jobResource(req, j)), {
    links: { ...selfLink(req, `/organization/${orgId}/job`), next },
    ...(includes.has('step') ? { included: jobs.flatMap((j) => j.steps.map((s) => stepResource(req, j, s))) } : {}),
  }));
}
