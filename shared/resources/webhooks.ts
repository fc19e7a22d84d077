/**
 * A workspace's VCS webhooks (contract §7), managed with manageWorkspace. The signing secret is made by
 * the server and shown twice in its life: in the create response and in the answer to a rotation
 * (PATCH `rotateSecret: true`, the one PATCH answering 200: it must hand the new secret back). Everywhere
 * else `secret` is null; at rest it is sealed (the secret box, ports/secret-box.ts).
 */
import * as v from 'valibot';
import type { ApiRequest } from '../http/api-handler';
import { bool, optionalText } from '../http/attributes';
import { AuditAttributes, resourceSchema, toOne } from '../http/resource-schema';
import { readScope } from '../store/repositories/scope';
import { listWebhooks, planCreateWebhook, planDeleteWebhook, planUpdateWebhook, removeWebhookPartition, webhookRef } from '../store/repositories/webhooks';
import type { WebhookRecord } from '../webhooks/records';
import { newWebhookSecret } from '../webhooks/webhook-secret';
import { secretBox } from '../wiring';
import { AUDIT_ATTRIBUTES, auditAttributes, newId, selfLink, updatedAudit } from './common';
import { resource } from './crud';

export const Create = v.object({ description: optionalText(1024) });
export const Update = v.object({ description: optionalText(1024), rotateSecret: v.optional(bool()) });

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
    ...AuditAttributes,
  },
  { workspace: toOne('workspace') },
);

function webhookResource(req: ApiRequest, w: WebhookRecord, secret: string | null = null): v.InferOutput<typeof WebhookResource> {
  return {
    type: 'webhook',
    id: w.id,
    attributes: { description: w.description, url: `${req.baseUrl}/webhook/v1/${w.id}`, secret, ...auditAttributes(w) },
    relationships: { workspace: { data: { type: 'workspace', id: w.workspaceId } } },
    links: selfLink(req, webhookPath(w)),
  };
}

const webhooks = /* @__PURE__ */ resource({
  type: 'webhook',
  noun: 'webhook',
  parents: [{ param: 'workspaceId', noun: 'workspace' }],
  idParam: 'webhookId',
  rules: { readOnly: ['url', 'secret', ...AUDIT_ATTRIBUTES] },
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
    list: (scope) => listWebhooks(scope.ids.workspaceId as string),
    create: planCreateWebhook,
    update: (before, _after, changes) => planUpdateWebhook(before, changes),
    remove: planDeleteWebhook,
  },
  render: webhookResource,
  collectionPath: (ids) => `/organization/${ids.orgId}/workspace/${ids.workspaceId}/webhook`,
});

export const list = /* @__PURE__ */ webhooks.list();
export const get = /* @__PURE__ */ webhooks.get();
export const create = /* @__PURE__ */ webhooks.create({
  schema: Create,
  async build(scope, attrs, audit) {
    const id = newId();
    const secret = newWebhookSecret();
    const record: WebhookRecord = {
      id,
      organizationId: scope.ids.orgId as string,
      workspaceId: scope.ids.workspaceId as string,
      description: attrs.description ?? null,
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
    const record = {
      ...(attrs.description !== undefined ? { description: attrs.description } : {}),
      ...(secret ? { sealedSecret: await secretBox().seal(secret, { webhookId: webhook.id }) } : {}),
      ...updatedAudit(scope.principal),
    };
    return { record, secret };
  },
});
// The webhook item goes first (from then on deliveries are 404); then its rules and delivery records.
export const remove = /* @__PURE__ */ webhooks.remove({ after: (w) => removeWebhookPartition(w.id) });
