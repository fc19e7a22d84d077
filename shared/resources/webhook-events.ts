/**
 * A webhook's event rules (type `webhook_event`): which PUSH, PULL_REQUEST or RELEASE events start a job
 * and with which template of the organization. Patterns are checked when a rule is saved, so the public
 * receiver never compiles anything that could make it hang (webhooks/patterns.ts). `path` holds regular
 * expressions, or with `pathType: PATTERN` Ant-style patterns (what Terrakube's UI saves by default).
 * Clients may choose a rule's id (a UUID), as Terrakube allows; `prWorkflowEnabled` and `prApplyEnabled`
 * are stored and returned as given.
 */
import * as v from 'valibot';
import { Invalid, NotFound, pointer } from '../domain/errors';
import type { ApiRequest } from '../http/api-handler';
import { bool, enumOf, uuid } from '../http/attributes';
import { AuditAttributes, resourceSchema, toOne } from '../http/resource-schema';
import { readScope } from '../store/repositories/scope';
import { templateRef } from '../store/repositories/templates';
import {
  planCreateWebhookEvent,
  planDeleteWebhookEvent,
  planUpdateWebhookEvent,
  webhookEventCollection,
  webhookEventRef,
} from '../store/repositories/webhook-events';
import { patternListProblem, pathListProblem } from '../webhooks/patterns';
import { PATH_TYPES, RULE_EVENT_KINDS, type PathType, type WebhookEventRecord } from '../webhooks/records';
import { AUDIT_ATTRIBUTES, auditAttributes, selfLink, updatedAudit } from './common';
import { resource } from './crud';
import { clientUuid, webhookPath } from './webhooks';

const patternText = v.pipe(v.string('must be a string of comma-separated patterns'), v.maxLength(4096, 'must be at most 4096 characters'));
/** Comma-separated regexes, each checked for syntax and for backtracking risk (patterns.ts). */
const branchPatterns = v.pipe(
  patternText,
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const problem = patternListProblem(dataset.value);
    if (problem) addIssue({ message: problem });
  }),
);
export const Create = v.object({
  event: enumOf(RULE_EVENT_KINDS),
  branch: branchPatterns,
  /** null, absent or blank: no condition on changed files. Checked with its pathType (checkPath). */
  path: v.nullish(patternText),
  pathType: v.nullish(enumOf(PATH_TYPES), 'REGEX'),
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
  prWorkflowEnabled: v.optional(bool(), false),
  prApplyEnabled: v.optional(bool(), false),
});
export const Update = v.partial(Create);

const eventsPath = (ids: Record<string, string>) =>
  `${webhookPath({ organizationId: ids.orgId as string, workspaceId: ids.workspaceId as string, id: ids.webhookId as string })}/events`;

export const WebhookEventResource = resourceSchema(
  'webhook_event',
  {
    event: v.picklist(RULE_EVENT_KINDS),
    branch: v.string(),
    path: v.nullable(v.string()),
    pathType: v.picklist(PATH_TYPES),
    templateId: v.string(),
    priority: v.number(),
    prWorkflowEnabled: v.boolean(),
    prApplyEnabled: v.boolean(),
    ...AuditAttributes,
  },
  { webhook: toOne('webhook') },
);

export function eventResource(req: ApiRequest, e: WebhookEventRecord): v.InferOutput<typeof WebhookEventResource> {
  return {
    type: 'webhook_event',
    id: e.id,
    attributes: {
      event: e.event,
      branch: e.branch,
      path: e.path,
      pathType: e.pathType ?? 'REGEX',
      templateId: e.templateId,
      priority: e.priority,
      prWorkflowEnabled: e.prWorkflowEnabled ?? false,
      prApplyEnabled: e.prApplyEnabled ?? false,
      ...auditAttributes(e),
    },
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
  relationships: { webhook: { type: 'webhook', readOnly: true } },
  clientIds: true,
  access: { write: 'manageWorkspace', action: 'managing webhooks' },
  repository: {
    load: (ids, id, refs) => {
      const scope = { orgId: ids.orgId as string, workspaceId: ids.workspaceId as string, webhookId: ids.webhookId as string };
      return readScope(scope, id ? webhookEventRef(scope.webhookId, id) : undefined, refs);
    },
    collection: (scope) => webhookEventCollection(scope.ids.webhookId as string),
    create: planCreateWebhookEvent,
    update: (before, _after, changes) => planUpdateWebhookEvent(before, changes),
    remove: planDeleteWebhookEvent,
  },
  filterable: {
    event: 'string',
    branch: 'string',
    path: 'string',
    pathType: 'string',
    templateId: 'string',
    priority: 'number',
    prWorkflowEnabled: 'boolean',
    prApplyEnabled: 'boolean',
  },
  include: { names: ['webhook'] },
  render: eventResource,
  collectionPath: eventsPath,
});

// The rule's template must be one of the organization's, read with the scope.
const references = (ids: Record<string, string>, attrs: { templateId?: string }) => ({
  template: attrs.templateId ? templateRef(ids.orgId as string, attrs.templateId) : undefined,
});
/** The template exists; the path list holds (read as its pathType says, the rule's own when not sent). */
function check(scope: { refs: Record<string, unknown>; item?: WebhookEventRecord }, attrs: { templateId?: string; path?: string | null; pathType?: PathType | null }) {
  if (attrs.templateId && !scope.refs.template) throw new NotFound(`template ${attrs.templateId} does not exist in this organization`);
  const path = attrs.path !== undefined ? attrs.path : scope.item?.path;
  const pathType = attrs.pathType ?? scope.item?.pathType ?? 'REGEX';
  if (path && path.trim() !== '' && (attrs.path !== undefined || attrs.pathType !== undefined)) {
    const problem = pathListProblem(path, pathType);
    if (problem) throw new Invalid(`attribute 'path': ${problem}`, pointer('/data/attributes/path'));
  }
}

export const list = /* @__PURE__ */ webhookEvents.list();
export const get = /* @__PURE__ */ webhookEvents.get();
export const create = /* @__PURE__ */ webhookEvents.create({
  schema: Create,
  references,
  check,
  build: (scope, attrs, audit, incoming) => ({
    id: clientUuid(incoming.id),
    organizationId: scope.ids.orgId as string,
    workspaceId: scope.ids.workspaceId as string,
    webhookId: scope.ids.webhookId as string,
    ...attrs,
    pathType: attrs.pathType ?? 'REGEX',
    path: attrs.path?.trim() || null,
    ...audit,
  }),
});
export const update = /* @__PURE__ */ webhookEvents.update({
  schema: Update,
  references,
  check,
  changes: async (scope, _event, attrs) => ({
    record: {
      ...attrs,
      ...('path' in attrs ? { path: attrs.path?.trim() || null } : {}),
      ...(attrs.pathType === null ? { pathType: 'REGEX' as const } : {}),
      ...updatedAudit(scope.principal),
    },
  }),
});
export const remove = /* @__PURE__ */ webhookEvents.remove();
