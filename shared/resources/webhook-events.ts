/**
 * A webhook's event rules (type `webhook_event`): which PUSH, PULL_REQUEST or RELEASE events start a job
 * and with which template of the organization. Patterns are checked when a rule is saved, so the public
 * receiver never compiles anything that could make it hang (webhooks/patterns.ts).
 */
import { NotFound } from '../domain/errors';
import * as v from 'valibot';
import type { ApiRequest, ApiResponse } from '../http/api-handler';
import { checkAttributes, enumOf, uuid } from '../http/attributes';
import { document, readResourceDocument, type ResourceObject } from '../http/jsonapi';
import { requireMember, requirePermission } from '../domain/permissions';
import { keys, prefixes } from '../store/keys';
import { queryAll, stripKeys } from '../store/table';
import { check, conditions, put, remove, update, write } from '../store/writes';
import { patternListProblem } from '../webhooks/patterns';
import { WEBHOOK_EVENT_KINDS, type WebhookEventRecord } from '../webhooks/records';
import { AUDIT_ATTRIBUTES, auditAttributes, created, createdAudit, definedOnly, newId, noContent, ok, orgParam, selfLink, updatedAudit, uuidParam } from './common';
import { loadWebhook, webhookNotFound, webhookPath } from './webhooks';
import { workspaceNotFound } from './workspaces';

const TYPE = 'webhook_event';

/** Comma-separated regexes, each checked for syntax and for backtracking risk (patterns.ts). */
const patterns = (emptyMeansAny: boolean) =>
  v.pipe(
    v.string('must be a string of comma-separated regular expressions'),
    v.maxLength(4096, 'must be at most 4096 characters'),
    v.rawCheck(({ dataset, addIssue }) => {
      if (!dataset.typed || (emptyMeansAny && dataset.value.trim() === '')) return;
      const problem = patternListProblem(dataset.value);
      if (problem) addIssue({ message: problem });
    }),
  );
const Create = v.object({
  event: enumOf(WEBHOOK_EVENT_KINDS),
  branch: patterns(false),
  /** null or absent: no condition on changed files. */
  path: v.nullish(patterns(true)),
  templateId: uuid('a template'),
  priority: v.optional(v.pipe(v.number('must be an integer'), v.integer('must be an integer'), v.minValue(0, 'must be 0 or more'), v.maxValue(1_000_000, 'must be at most 1000000')), 1),
});
const Update = v.partial(Create);
const rules = { readOnly: AUDIT_ATTRIBUTES };

const eventNotFound = (id: string) => new NotFound(`webhook event ${id} does not exist`);
const templateNotFound = (id: string) => new NotFound(`template ${id} does not exist in this organization`);

function eventResource(req: ApiRequest, e: WebhookEventRecord): ResourceObject {
  return {
    type: TYPE,
    id: e.id,
    attributes: { event: e.event, branch: e.branch, path: e.path, templateId: e.templateId, priority: e.priority, ...auditAttributes(e) },
    relationships: { webhook: { data: { type: 'webhook', id: e.webhookId } } },
    links: selfLink(req, `${webhookPath({ organizationId: e.organizationId, workspaceId: e.workspaceId, id: e.webhookId })}/events/${e.id}`),
  };
}

/** Organization, workspace, webhook, the rule and the named template: one BatchGet. */
async function load(req: ApiRequest, withEvent: boolean, templateId?: string) {
  const orgId = orgParam(req);
  uuidParam(req, 'workspaceId', 'workspace');
  const webhookId = uuidParam(req, 'webhookId', 'webhook');
  const eventId = withEvent ? uuidParam(req, 'eventId', 'webhook event') : '';
  const eventKeys = withEvent ? [keys.webhookEvent(webhookId, eventId)] : [];
  const templateKeys = templateId ? [keys.template(orgId, templateId)] : [];
  const loaded = await loadWebhook(req, true, [...eventKeys, ...templateKeys]);
  const event = withEvent && loaded.webhook ? (loaded.more[0] as WebhookEventRecord | undefined) : undefined;
  return { ...loaded, eventId, event, templateFound: !templateId || loaded.more[eventKeys.length] !== undefined };
}

function requireFound(l: Awaited<ReturnType<typeof load>>, withEvent: boolean): void {
  if (!l.workspace) throw workspaceNotFound(l.workspaceId);
  if (!l.webhook) throw webhookNotFound(l.webhookId);
  if (withEvent && !l.event) throw eventNotFound(l.eventId);
}

export async function listWebhookEvents(req: ApiRequest): Promise<ApiResponse> {
  const l = await load(req, false);
  requireMember(req.principal, l.org, l.orgId);
  requireFound(l, false);
  const items = await queryAll({
    KeyConditionExpression: 'pk = :p AND begins_with(sk, :s)',
    ExpressionAttributeValues: { ':p': keys.webhook(l.webhookId).pk, ':s': prefixes.webhookEvent },
  });
  const events = items.map((i) => stripKeys<WebhookEventRecord>(i)).sort((a, b) => a.priority - b.priority || a.id.localeCompare(b.id));
  return ok(document(events.map((e) => eventResource(req, e)), {
    links: selfLink(req, `${webhookPath({ organizationId: l.orgId, workspaceId: l.workspaceId, id: l.webhookId })}/events`),
  }));
}

export async function getWebhookEvent(req: ApiRequest): Promise<ApiResponse> {
  const l = await load(req, true);
  requireMember(req.principal, l.org, l.orgId);
  requireFound(l, true);
  return ok(document(eventResource(req, l.event as WebhookEventRecord)));
}

export async function createWebhookEvent(req: ApiRequest): Promise<ApiResponse> {
  const input = readResourceDocument(req.body, { type: TYPE });
  const attrs = checkAttributes(input.attributes, Create, rules);
  const l = await load(req, false, attrs.templateId);
  requirePermission(req.principal, l.org, l.orgId, 'manageWorkspace', 'managing webhooks');
  requireFound(l, false);
  if (!l.templateFound) throw templateNotFound(attrs.templateId);
  const event: WebhookEventRecord = {
    id: newId(),
    organizationId: l.orgId,
    workspaceId: l.workspaceId,
    webhookId: l.webhookId,
    ...attrs,
    path: attrs.path?.trim() || null,
    ...createdAudit(req.principal),
  };
  await write([
    put({ ...keys.webhookEvent(l.webhookId, event.id), ...event }, conditions.absent),
    check(keys.webhook(l.webhookId), conditions.exists, () => webhookNotFound(l.webhookId)),
  ]);
  return created(req, eventResource(req, event));
}

export async function updateWebhookEvent(req: ApiRequest): Promise<ApiResponse> {
  const input = readResourceDocument(req.body, { type: TYPE, id: req.params.eventId });
  const attrs = definedOnly(checkAttributes(input.attributes, Update, rules));
  const l = await load(req, true, attrs.templateId);
  requirePermission(req.principal, l.org, l.orgId, 'manageWorkspace', 'managing webhooks');
  requireFound(l, true);
  if (!l.templateFound) throw templateNotFound(attrs.templateId as string);
  const changes = { ...attrs, ...('path' in attrs ? { path: attrs.path?.trim() || null } : {}), ...updatedAudit(req.principal) };
  await write([
    update(keys.webhookEvent(l.webhookId, l.eventId), changes, { condition: conditions.exists }, () => eventNotFound(l.eventId)),
  ]);
  return noContent();
}

export async function deleteWebhookEvent(req: ApiRequest): Promise<ApiResponse> {
  const l = await load(req, true);
  requirePermission(req.principal, l.org, l.orgId, 'manageWorkspace', 'managing webhooks');
  requireFound(l, true);
  await write([remove(keys.webhookEvent(l.webhookId, l.eventId), conditions.exists, () => eventNotFound(l.eventId))]);
  return noContent();
}
