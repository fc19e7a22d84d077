/**
 * A webhook's event rules (type `webhook_event`): which PUSH, PULL_REQUEST or RELEASE events start a job
 * and with which template of the organization. Patterns are checked when a rule is saved, so the public
 * receiver never compiles anything that could make it hang (webhooks/patterns.ts).
 */
import * as v from 'valibot';
import { NotFound } from '../domain/errors';
import type { ApiRequest } from '../http/api-handler';
import { enumOf, uuid } from '../http/attributes';
import { AuditAttributes, resourceSchema, toOne } from '../http/resource-schema';
import { readScope } from '../store/repositories/scope';
import { templateRef } from '../store/repositories/templates';
import {
  listWebhookEvents,
  planCreateWebhookEvent,
  planDeleteWebhookEvent,
  planUpdateWebhookEvent,
  webhookEventRef,
} from '../store/repositories/webhook-events';
import { patternListProblem } from '../webhooks/patterns';
import { WEBHOOK_EVENT_KINDS, type WebhookEventRecord } from '../webhooks/records';
import { AUDIT_ATTRIBUTES, auditAttributes, newId, selfLink, updatedAudit } from './common';
import { resource } from './crud';
import { webhookPath } from './webhooks';

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
export const Create = v.object({
  event: enumOf(WEBHOOK_EVENT_KINDS),
  branch: patterns(false),
  /** null or absent: no condition on changed files. */
  path: v.nullish(patterns(true)),
  templateId: uuid('a template'),
  priority: v.optional(
    v.pipe(
      v.number('must be an integer'),
      v.integer('must be an integer'),
      v.minValue(0, 'must be 0 or more'),
      v.maxValue(1_000_000, 'must be at most 1000000'),
    ),
    1,
  ),
});
export const Update = v.partial(Create);

const eventsPath = (ids: Record<string, string>) =>
  `${webhookPath({ organizationId: ids.orgId as string, workspaceId: ids.workspaceId as string, id: ids.webhookId as string })}/events`;

export const WebhookEventResource = resourceSchema(
  'webhook_event',
  { event: v.picklist(WEBHOOK_EVENT_KINDS), branch: v.string(), path: v.nullable(v.string()), templateId: v.string(), priority: v.number(), ...AuditAttributes },
  { webhook: toOne('webhook') },
);

function eventResource(req: ApiRequest, e: WebhookEventRecord): v.InferOutput<typeof WebhookEventResource> {
  return {
    type: 'webhook_event',
    id: e.id,
    attributes: { event: e.event, branch: e.branch, path: e.path, templateId: e.templateId, priority: e.priority, ...auditAttributes(e) },
    relationships: { webhook: { data: { type: 'webhook', id: e.webhookId } } },
    links: selfLink(req, `${eventsPath({ orgId: e.organizationId, workspaceId: e.workspaceId, webhookId: e.webhookId })}/${e.id}`),
  };
}

const webhookEvents = /* @__PURE__ */ resource({
  type: 'webhook_event',
  noun: 'webhook event',
  parents: [
    { param: 'workspaceId', noun: 'workspace' },
    { param: 'webhookId', noun: 'webhook' },
  ],
  idParam: 'eventId',
  rules: { readOnly: AUDIT_ATTRIBUTES },
  access: { write: 'manageWorkspace', action: 'managing webhooks' },
  repository: {
    load: (ids, id, refs) => {
      const scope = { orgId: ids.orgId as string, workspaceId: ids.workspaceId as string, webhookId: ids.webhookId as string };
      return readScope(scope, id ? webhookEventRef(scope.webhookId, id) : undefined, refs);
    },
    list: (scope) => listWebhookEvents(scope.ids.webhookId as string),
    create: planCreateWebhookEvent,
    update: (before, _after, changes) => planUpdateWebhookEvent(before, changes),
    remove: planDeleteWebhookEvent,
  },
  render: eventResource,
  collectionPath: eventsPath,
});

// The rule's template must be one of the organization's, read with the scope.
const references = (ids: Record<string, string>, attrs: { templateId?: string }) => ({
  template: attrs.templateId ? templateRef(ids.orgId as string, attrs.templateId) : undefined,
});
const check = (scope: { refs: Record<string, unknown> }, attrs: { templateId?: string }) => {
  if (attrs.templateId && !scope.refs.template) throw new NotFound(`template ${attrs.templateId} does not exist in this organization`);
};

export const list = /* @__PURE__ */ webhookEvents.list();
export const get = /* @__PURE__ */ webhookEvents.get();
export const create = /* @__PURE__ */ webhookEvents.create({
  schema: Create,
  references,
  check,
  build: (scope, attrs, audit) => ({
    id: newId(),
    organizationId: scope.ids.orgId as string,
    workspaceId: scope.ids.workspaceId as string,
    webhookId: scope.ids.webhookId as string,
    ...attrs,
    path: attrs.path?.trim() || null,
    ...audit,
  }),
});
export const update = /* @__PURE__ */ webhookEvents.update({
  schema: Update,
  references,
  check,
  changes: async (scope, _event, attrs) => ({
    record: { ...attrs, ...('path' in attrs ? { path: attrs.path?.trim() || null } : {}), ...updatedAudit(scope.principal) },
  }),
});
export const remove = /* @__PURE__ */ webhookEvents.remove();
