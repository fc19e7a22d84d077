/**
 * A workspace's VCS webhooks (contract §7), managed with manageWorkspace. The signing secret is made by
 * the server and shown twice in its life: in the create response and in the answer to a rotation
 * (PATCH `rotateSecret: true`, the one PATCH answering 200: it must hand the new secret back). Everywhere
 * else `secret` is null; at rest it is sealed (the secret box, ports/secret-box.ts).
 *
 * Terrakube's clients choose a webhook's id (a UUID) and send `remoteHookId` and `migratedV2`, stored
 * and returned as given (Terrakube registers the hook at the VCS itself; here the VCS is pointed at `url`).
 */
import * as v from 'valibot';
import { Invalid, pointer } from '../domain/errors';
import type { ApiRequest } from '../http/api-handler';
import { bool, optionalText } from '../http/attributes';
import type { Relationship, ResourceObject } from '../http/jsonapi';
import { AuditAttributes, resourceSchema, toMany, toOne } from '../http/resource-schema';
import { readScope } from '../store/repositories/scope';
import { listWebhookEvents } from '../store/repositories/webhook-events';
import { planCreateWebhook, planDeleteWebhook, planUpdateWebhook, removeWebhookPartition, webhookCollection, webhookRef } from '../store/repositories/webhooks';
import type { WebhookRecord } from '../webhooks/records';
import { newWebhookSecret } from '../webhooks/webhook-secret';
import { secretBox } from '../wiring';
import { AUDIT_ATTRIBUTES, auditAttributes, newId, selfLink, updatedAudit } from './common';
import { resource } from './crud';
import { eventResource } from './webhook-events';
import { workspaceResource } from './workspaces';

export const Create = v.object({ description: optionalText(1024), remoteHookId: optionalText(256), migratedV2: v.optional(bool(), false) });
export const Update = v.object({ description: optionalText(1024), remoteHookId: optionalText(256), migratedV2: v.optional(bool()), rotateSecret: v.optional(bool()) });

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A client-chosen id must be a UUID (ids name the webhook's partition and its public URL). */
export function clientUuid(id: string | undefined): string {
  if (id === undefined) return newId();
  if (!UUID.test(id)) throw new Invalid('a client-chosen id must be a UUID', pointer('/data/id'));
  return id.toLowerCase();
}

export const webhookPath = (w: Pick<WebhookRecord, 'organizationId' | 'workspaceId' | 'id'>) =>
  `/organization/${w.organizationId}/workspace/${w.workspaceId}/webhook/${w.id}`;

/** `secret` is the plaintext only right after it was made (create, rotate). */
export const WebhookResource = resourceSchema(
  'webhook',
  {
    description: v.nullable(v.string()),
    /** Where the VCS provider delivers events. */
    url: v.string(),
    /** The signing secret: only in the answers to a create and to a rotation, null everywhere else. */
    secret: v.nullable(v.string()),
    remoteHookId: v.nullable(v.string()),
    migratedV2: v.boolean(),
    ...AuditAttributes,
  },
  { workspace: toOne('workspace'), events: toMany('webhook_event') },
);

export function webhookResource(req: ApiRequest, w: WebhookRecord, secret: string | null = null): v.InferOutput<typeof WebhookResource> {
  return {
    type: 'webhook',
    id: w.id,
    attributes: {
      description: w.description,
      url: `${req.baseUrl}/webhook/v1/${w.id}`,
      secret,
      remoteHookId: w.remoteHookId ?? null,
      migratedV2: w.migratedV2 ?? false,
      ...auditAttributes(w),
    },
    relationships: {
      workspace: { data: { type: 'workspace', id: w.workspaceId } },
      events: { data: [...(w.eventIds ?? [])].sort().map((id) => ({ type: 'webhook_event', id })) },
    },
    links: selfLink(req, webhookPath(w)),
  };
}

/** Attributes the server sets (declared apart: a spread inside resource()'s argument would keep the whole resource in every bundle). */
const READ_ONLY = ['url', 'secret', ...AUDIT_ATTRIBUTES];

const webhooks = /* @__PURE__ */ resource({
  type: 'webhook',
  noun: 'webhook',
  parents: [{ param: 'workspaceId', noun: 'workspace' }],
  idParam: 'webhookId',
  rules: { readOnly: READ_ONLY },
  relationships: { workspace: { type: 'workspace', readOnly: true }, events: { type: 'webhook_event', many: true, readOnly: true } },
  clientIds: true,
  access: { write: 'manageWorkspace', action: 'managing webhooks' },
  repository: {
    // A webhook of another workspace is "not found", like a workspace of another organization.
    load: (ids, id, refs) =>
      readScope(
        { orgId: ids.orgId as string, workspaceId: ids.workspaceId as string },
        id ? webhookRef(id) : undefined,
        refs,
        (w) => w.workspaceId === ids.workspaceId,
      ),
    collection: (scope) => webhookCollection(scope.ids.workspaceId as string),
    create: planCreateWebhook,
    update: (before, _after, changes) => planUpdateWebhook(before, changes),
    remove: planDeleteWebhook,
  },
  filterable: { description: 'string', remoteHookId: 'string', migratedV2: 'boolean' },
  include: {
    names: ['workspace', 'events'],
    async load(req, scope, webhook, wanted) {
      const included: ResourceObject[] = [];
      if (wanted.has('events')) {
        included.push(...(await listWebhookEvents(webhook.id)).map((e) => eventResource(req, e)));
      }
      const workspace = scope.parents.workspace;
      if (wanted.has('workspace') && workspace) included.push(workspaceResource(req, workspace));
      // The events read now are the linkage (an event created meanwhile is in both or neither).
      const events = included.filter((r) => r.type === 'webhook_event').map((e) => ({ type: e.type, id: e.id }));
      const relationships: Record<string, Relationship> = wanted.has('events') ? { events: { data: events } } : {};
      return { relationships, included };
    },
  },
  render: webhookResource,
  collectionPath: (ids) => `/organization/${ids.orgId}/workspace/${ids.workspaceId}/webhook`,
});

export const list = /* @__PURE__ */ webhooks.list();
export const get = /* @__PURE__ */ webhooks.get();
export const create = /* @__PURE__ */ webhooks.create({
  schema: Create,
  async build(scope, attrs, audit, incoming) {
    const id = clientUuid(incoming.id);
    const secret = newWebhookSecret();
    const record: WebhookRecord = {
      id,
      organizationId: scope.ids.orgId as string,
      workspaceId: scope.ids.workspaceId as string,
      description: attrs.description ?? null,
      remoteHookId: attrs.remoteHookId ?? null,
      migratedV2: attrs.migratedV2,
      sealedSecret: await secretBox().seal(secret, { webhookId: id }),
      ...audit,
    };
    return { record, secret };
  },
});
export const update = /* @__PURE__ */ webhooks.update({
  schema: Update,
  async changes(scope, webhook, attrs) {
    const secret = attrs.rotateSecret ? newWebhookSecret() : undefined;
    const { rotateSecret: _rotate, ...stored } = attrs;
    const record = {
      ...stored,
      ...(secret ? { sealedSecret: await secretBox().seal(secret, { webhookId: webhook.id }) } : {}),
      ...updatedAudit(scope.principal),
    };
    return { record, secret };
  },
});
// The webhook item goes first (from then on deliveries are 404); then its rules and delivery records.
export const remove = /* @__PURE__ */ webhooks.remove({ after: (w) => removeWebhookPartition(w.id) });
