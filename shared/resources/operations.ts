/**
 * JSON:API Atomic Operations at POST /api/v1/operations (issue 12 item 7), as the Terrakube UI (workspace
 * create and settings, webhook save) and the terraform provider (webhook v2, webhook events) send them.
 *
 * Each operation is planned by the same route its href names (crud.ts `plan`), one after the other, with
 * the writes planned so far visible to the reads that follow (store/overlay.ts): an event may name the
 * webhook added just before it. The plans are merged (store/merge-plans.ts) and committed as ONE
 * DynamoDB transaction: all or nothing. An operation that fails answers a 4xx whose `source.pointer`
 * starts with /atomic:operations/N, and nothing is written.
 */
import { matchPath } from '../routes';
import { Conflict, DomainError, Invalid, Problems, Unauthorized, Unavailable, pointer } from '../domain/errors';
import type { ApiRequest, ApiResponse } from '../http/api-handler';
import { unsupportedMediaType } from '../http/errors';
import { JSONAPI_MEDIA_TYPE } from '../http/jsonapi';
import { commit, type TxItem } from '../store/repositories/batch';
import { mergePlans, Unmergeable } from '../store/merge-plans';
import { recordPlanned, withOverlay } from '../store/overlay';
import { read } from '../store/table';
import { webhookNotFound, webhookRef } from '../store/repositories/webhooks';
import type { Planned, PlannedRoute } from './crud';
import * as teams from './teams';
import * as templates from './templates';
import * as variables from './variables';
import * as webhookEvents from './webhook-events';
import * as webhooks from './webhooks';
import * as workspaces from './workspaces';

export const ATOMIC_EXTENSION = 'https://jsonapi.org/ext/atomic';
/** DynamoDB's limit on the items of one transaction. */
const MAX_TRANSACTION_ITEMS = 100;
const MAX_OPERATIONS = 50;

/** Each resource's routes, with their results seen only by their own answer. */
type AnyRoute = PlannedRoute<unknown>;
type Resource = { create: AnyRoute; update: AnyRoute; remove: AnyRoute };
interface Target {
  pattern: string;
  resource: Resource;
  /** The member id parameter (the last segment of a member href). */
  idParam: string;
  /** A to-one relationship href (workspace → webhook): `update` of it names the member by data.id. */
  toOne?: boolean;
}

const ORG = '/organization/{orgId}';
const WS = `${ORG}/workspace/{workspaceId}`;
const TARGETS: Target[] = [
  { pattern: `${ORG}/workspace`, resource: workspaces, idParam: 'workspaceId' },
  { pattern: `${ORG}/team`, resource: teams, idParam: 'teamId' },
  { pattern: `${ORG}/template`, resource: templates, idParam: 'templateId' },
  { pattern: `${WS}/variable`, resource: variables, idParam: 'variableId' },
  { pattern: `${WS}/webhook`, resource: webhooks, idParam: 'webhookId', toOne: true },
  { pattern: `${WS}/webhook/{webhookId}/events`, resource: webhookEvents, idParam: 'eventId' },
  // The provider's root-level event hrefs (workspace_webhook_event_resource.go:274-477).
  { pattern: '/webhook/{webhookId}/events', resource: webhookEvents, idParam: 'eventId' },
];

/** Whether a media type header names JSON:API with the atomic extension. */
function isAtomic(value: string | undefined): boolean {
  if (!value) return false;
  return value.split(',').some((part) => {
    const [type, ...params] = part.split(';').map((p) => p.trim());
    if (type?.toLowerCase() !== JSONAPI_MEDIA_TYPE) return false;
    return params.some((p) => {
      const m = /^ext\s*=\s*"?([^"]*)"?$/i.exec(p);
      return m ? (m[1] as string).split(/\s+/).includes(ATOMIC_EXTENSION) : false;
    });
  });
}

/** Accept may be absent or a wildcard; if it names JSON:API it must carry the extension (as Elide requires). */
function acceptsAtomic(value: string | undefined): boolean {
  if (!value || isAtomic(value)) return true;
  return value.split(',').some((part) => /^\s*(\*\/\*|application\/\*|application\/json)\s*(;|$)/i.test(part));
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The href's parameters by the route table's matcher, percent-decoded as API Gateway decodes path parameters. */
function match(pattern: string, path: string): Record<string, string> | undefined {
  const params = matchPath(pattern, path);
  return params && Object.fromEntries(Object.entries(params).map(([name, value]) => [name, decodeURIComponent(value)]));
}

/** The error of operation `n`, its pointer moved under /atomic:operations/n. */
function atOperation(n: number, error: unknown): unknown {
  const base = `/atomic:operations/${n}`;
  const move = (e: DomainError): DomainError => {
    if (e instanceof Unauthorized || e instanceof Unavailable) return e;
    const at = e.source?.pointer !== undefined ? `${base}${e.source.pointer}` : e.source?.parameter || e.source?.header ? undefined : base;
    const Kind = e.constructor as new (message: string, source?: DomainError['source']) => DomainError;
    return new Kind(e.message, at !== undefined ? pointer(at) : e.source);
  };
  if (error instanceof Problems) return new Problems(error.problems.map(move));
  if (error instanceof DomainError) return move(error);
  return error;
}

interface Step {
  op: 'add' | 'update' | 'remove';
  route: AnyRoute;
  req: ApiRequest;
  lid?: string;
}

/** Replaces local ids (lid) of earlier operations in a string. */
const withLids = (text: string, lids: Map<string, string>) => text.split('/').map((s) => lids.get(s) ?? s).join('/');

async function stepOf(req: ApiRequest, raw: unknown, lids: Map<string, string>): Promise<Step> {
  // Pointers relative to the operation (postOperations moves them under /atomic:operations/n).
  const at = (path: string) => pointer(path);
  if (!isObject(raw)) throw new Invalid('an operation must be an object', at(''));
  const op = raw.op;
  if (op !== 'add' && op !== 'update' && op !== 'remove') throw new Invalid("op must be 'add', 'update' or 'remove'", at('/op'));
  if (raw.ref !== undefined) throw new Invalid('operations are addressed by href here; ref is not supported', at('/ref'));
  if (typeof raw.href !== 'string' || raw.href === '') throw new Invalid('href is required', at('/href'));
  const href = withLids(raw.href.replace(/^\/api\/v1(?=\/)/, '').replace(/\/+$/, '').split('?')[0] as string, lids);
  const data = raw.data === undefined ? undefined : isObject(raw.data) ? { ...raw.data } : raw.data;
  if (op !== 'remove' && !isObject(data)) throw new Invalid(`${op} needs a data object`, at('/data'));
  let lid: string | undefined;
  if (isObject(data)) {
    if (typeof data.lid === 'string') {
      lid = data.lid;
      if (data.id === undefined && lids.has(lid)) data.id = lids.get(lid);
      delete data.lid;
    }
    if (typeof data.id === 'string') data.id = lids.get(data.id) ?? data.id;
  }
  for (const target of TARGETS) {
    const collection = match(target.pattern, href);
    const member = collection ? undefined : match(`${target.pattern}/{${target.idParam}}`, href);
    if (!collection && !member) continue;
    let params = (collection ?? member) as Record<string, string>;
    if (params.webhookId && !params.orgId) {
      // A root-level webhook href: its organization and workspace come from the webhook (or an earlier op's).
      const webhook = await read(webhookRef(params.webhookId));
      if (!webhook) throw webhookNotFound(params.webhookId);
      params = { ...params, orgId: webhook.organizationId, workspaceId: webhook.workspaceId };
    }
    let route: AnyRoute | undefined;
    if (collection && op === 'add') route = target.resource.create;
    else if (member && op === 'update') route = target.resource.update;
    else if (member && op === 'remove') route = target.resource.remove;
    else if (collection && target.toOne && op !== 'add') {
      // `update`/`remove` of the to-one …/workspace/W/webhook: the member is data.id (what the UI sends).
      const id = isObject(data) && typeof data.id === 'string' ? data.id : undefined;
      if (!id) throw new Invalid(`${op} of ${href} needs data.id`, at('/data/id'));
      params = { ...params, [target.idParam]: id };
      route = op === 'update' ? target.resource.update : target.resource.remove;
    }
    if (!route) throw new Invalid(`op '${op}' is not supported on ${href} (add to a collection; update or remove a member)`, at('/op'));
    const body = op === 'remove' ? undefined : { data };
    // The op-level `relationships` some clients send is not part of the extension: ignored (as Elide does).
    return { op, route, lid, req: { ...req, method: op === 'add' ? 'POST' : op === 'update' ? 'PATCH' : 'DELETE', path: `/api/v1${href}`, params, query: new Map(), body } };
  }
  throw new Invalid(`href ${raw.href} names no resource operations can change`, at('/href'));
}

export async function postOperations(req: ApiRequest): Promise<ApiResponse> {
  const headers = req.headers ?? {};
  if (!isAtomic(headers['content-type'])) throw unsupportedMediaType(`Content-Type must be ${JSONAPI_MEDIA_TYPE};ext="${ATOMIC_EXTENSION}"`);
  if (!acceptsAtomic(headers.accept)) throw unsupportedMediaType(`Accept must allow ${JSONAPI_MEDIA_TYPE};ext="${ATOMIC_EXTENSION}"`);
  const body = req.body;
  if (!isObject(body) || !Array.isArray(body['atomic:operations'])) throw new Invalid('the document must have an atomic:operations array', pointer('/atomic:operations'));
  const operations = body['atomic:operations'] as unknown[];
  if (operations.length === 0) throw new Invalid('atomic:operations is empty', pointer('/atomic:operations'));
  if (operations.length > MAX_OPERATIONS) throw new Invalid(`at most ${MAX_OPERATIONS} operations in one request`, pointer('/atomic:operations'));

  const { steps, plans } = await withOverlay(async () => {
    const lids = new Map<string, string>();
    const steps: Step[] = [];
    const plans: Planned<unknown>[] = [];
    for (const [n, raw] of operations.entries()) {
      try {
        const step = await stepOf(req, raw, lids);
        const plan = await step.route.plan(step.req);
        recordPlanned(plan.writes);
        const created = (plan.result as { record?: { id?: unknown } } | undefined)?.record?.id;
        if (step.lid && created !== undefined) lids.set(step.lid, String(created));
        steps.push(step);
        plans.push(plan);
      } catch (error) {
        throw atOperation(n, error);
      }
    }
    return { steps, plans };
  });

  const items: TxItem[] = plans.flatMap((p) => p.writes);
  const owners = plans.flatMap((p, n) => p.writes.map(() => n));
  let merged: TxItem[];
  try {
    merged = mergePlans(items, owners).items;
  } catch (error) {
    if (error instanceof Unmergeable) throw new Conflict(`operations ${error.first} and ${error.second} change the same record in ways one transaction cannot hold`, pointer(`/atomic:operations/${error.second}`));
    throw error;
  }
  if (merged.length > MAX_TRANSACTION_ITEMS) throw new Invalid(`these operations write ${merged.length} records; at most ${MAX_TRANSACTION_ITEMS} fit in one transaction`, pointer('/atomic:operations'));
  await commit(merged);
  for (const plan of plans) for (const next of plan.after) await next();

  const results = steps.map((step, n) => {
    if (step.op !== 'add') return { data: null };
    const answer = step.route.answer(step.req, plans[n]?.result);
    return { data: isObject(answer.body) ? (answer.body.data ?? null) : null };
  });
  return { status: 200, body: { 'atomic:results': results } as never, headers: { 'content-type': `${JSONAPI_MEDIA_TYPE};ext="${ATOMIC_EXTENSION}"` } };
}
postOperations.query = [] as const;
