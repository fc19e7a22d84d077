/**
 * A workspace's VCS webhooks (contract §7), managed with manageWorkspace. The signing secret is made by
 * the server and shown twice in its life: in the create response and in the answer to a rotation
 * (PATCH `rotateSecret: true`, the one PATCH answering 200: it must hand the new secret back). Everywhere
 * else `secret` is null; at rest it is sealed (secret-box.ts).
 */
import { NotFound } from '../domain/errors';
import * as v from 'valibot';
import type { ApiRequest, ApiResponse } from '../http/api-handler';
import { bool, checkAttributes, optionalText } from '../http/attributes';
import { document, readResourceDocument, type ResourceObject } from '../http/jsonapi';
import { requireMember, requirePermission } from '../domain/permissions';
import type { WorkspaceRecord } from '../domain/records';
import { indexes, keys, type Key } from '../store/keys';
import { queryAll, stripKeys } from '../store/table';
import { check, conditions, put, remove, update, write } from '../store/writes';
import type { WebhookRecord } from '../webhooks/records';
import { newWebhookSecret } from '../webhooks/webhook-secret';
import { secretBox } from '../wiring';
import { deleteWebhookPartition } from '../webhooks/store';
import {
  AUDIT_ATTRIBUTES,
  auditAttributes,
  created,
  createdAudit,
  loadWithOrganization,
  newId,
  noContent,
  ok,
  orgParam,
  selfLink,
  updatedAudit,
  uuidParam,
} from './common';
import { inOrganization, workspaceNotFound } from './workspaces';

const TYPE = 'webhook';
const Create = v.object({ description: optionalText(1024) });
const Update = v.object({ description: optionalText(1024), rotateSecret: v.optional(bool()) });
const rules = { readOnly: ['url', 'secret', ...AUDIT_ATTRIBUTES] };

export const webhookNotFound = (id: string) => new NotFound(`webhook ${id} does not exist`);
export const webhookPath = (w: Pick<WebhookRecord, 'organizationId' | 'workspaceId' | 'id'>) =>
  `/organization/${w.organizationId}/workspace/${w.workspaceId}/webhook/${w.id}`;

/** `secret` is the plaintext only right after it was made (create, rotate). */
function webhookResource(req: ApiRequest, w: WebhookRecord, secret: string | null = null): ResourceObject {
  return {
    type: TYPE,
    id: w.id,
    attributes: {
      description: w.description,
      url: `${req.baseUrl}/webhook/v1/${w.id}`,
      secret,
      ...auditAttributes(w),
    },
    relationships: { workspace: { data: { type: 'workspace', id: w.workspaceId } } },
    links: selfLink(req, webhookPath(w)),
  };
}

/**
 * The organization, workspace, webhook (and more items of its partition) in one BatchGet. A webhook of
 * another workspace is "not found", like a workspace of another organization.
 */
export async function loadWebhook(req: ApiRequest, withWebhook: boolean, more: Key[] = []) {
  const orgId = orgParam(req);
  const workspaceId = uuidParam(req, 'workspaceId', 'workspace');
  const webhookId = withWebhook ? uuidParam(req, 'webhookId', 'webhook') : '';
  const { org, items } = await loadWithOrganization(orgId, [
    keys.workspace(workspaceId),
    ...(withWebhook ? [keys.webhook(webhookId), ...more] : []),
  ]);
  const workspace = inOrganization(items[0] as WorkspaceRecord | undefined, orgId);
  const found = items[1] as WebhookRecord | undefined;
  const webhook = workspace && found?.workspaceId === workspaceId ? found : undefined;
  return { orgId, workspaceId, webhookId, org, workspace, webhook, more: items.slice(2) };
}

export async function listWebhooks(req: ApiRequest): Promise<ApiResponse> {
  const { orgId, workspaceId, org, workspace } = await loadWebhook(req, false);
  requireMember(req.principal, org, orgId);
  if (!workspace) throw workspaceNotFound(workspaceId);
  const items = await queryAll({
    index: 'gsi1',
    KeyConditionExpression: 'gsi1pk = :p',
    ExpressionAttributeValues: { ':p': indexes.webhook(workspaceId, '', '').gsi1pk },
  });
  return ok(document(items.map((i) => webhookResource(req, stripKeys<WebhookRecord>(i))), {
    links: selfLink(req, `/organization/${orgId}/workspace/${workspaceId}/webhook`),
  }));
}

export async function getWebhook(req: ApiRequest): Promise<ApiResponse> {
  const { orgId, workspaceId, webhookId, org, workspace, webhook } = await loadWebhook(req, true);
  requireMember(req.principal, org, orgId);
  if (!workspace) throw workspaceNotFound(workspaceId);
  if (!webhook) throw webhookNotFound(webhookId);
  return ok(document(webhookResource(req, webhook)));
}

export async function createWebhook(req: ApiRequest): Promise<ApiResponse> {
  orgParam(req);
  const input = readResourceDocument(req.body, { type: TYPE });
  const attrs = checkAttributes(input.attributes, Create, rules);
  const { orgId, workspaceId, org, workspace } = await loadWebhook(req, false);
  requirePermission(req.principal, org, orgId, 'manageWorkspace', 'managing webhooks');
  if (!workspace) throw workspaceNotFound(workspaceId);
  const id = newId();
  const secret = newWebhookSecret();
  const webhook: WebhookRecord = {
    id,
    organizationId: orgId,
    workspaceId,
    description: attrs.description ?? null,
    sealedSecret: await secretBox().seal(secret, { webhookId: id }),
    ...createdAudit(req.principal),
  };
  await write([
    put({ ...keys.webhook(id), ...indexes.webhook(workspaceId, webhook.createdDate, id), ...webhook }, conditions.absent),
    check(keys.workspace(workspaceId), conditions.exists, () => workspaceNotFound(workspaceId)),
  ]);
  return created(req, webhookResource(req, webhook, secret));
}

export async function updateWebhook(req: ApiRequest): Promise<ApiResponse> {
  orgParam(req);
  const input = readResourceDocument(req.body, { type: TYPE, id: req.params.webhookId });
  const attrs = checkAttributes(input.attributes, Update, rules);
  const { orgId, workspaceId, webhookId, org, workspace, webhook } = await loadWebhook(req, true);
  requirePermission(req.principal, org, orgId, 'manageWorkspace', 'managing webhooks');
  if (!workspace) throw workspaceNotFound(workspaceId);
  if (!webhook) throw webhookNotFound(webhookId);
  const secret = attrs.rotateSecret ? newWebhookSecret() : null;
  const changes = {
    ...(attrs.description !== undefined ? { description: attrs.description } : {}),
    ...(secret ? { sealedSecret: await secretBox().seal(secret, { webhookId }) } : {}),
    ...updatedAudit(req.principal),
  };
  await write([update(keys.webhook(webhookId), changes, { condition: conditions.exists }, () => webhookNotFound(webhookId))]);
  return secret ? ok(document(webhookResource(req, { ...webhook, ...changes }, secret))) : noContent();
}

export async function deleteWebhook(req: ApiRequest): Promise<ApiResponse> {
  const { orgId, workspaceId, webhookId, org, workspace, webhook } = await loadWebhook(req, true);
  requirePermission(req.principal, org, orgId, 'manageWorkspace', 'managing webhooks');
  if (!workspace) throw workspaceNotFound(workspaceId);
  if (!webhook) throw webhookNotFound(webhookId);
  // The webhook item first: from then on deliveries are 404; then its rules and delivery records.
  await write([remove(keys.webhook(webhookId), conditions.exists, () => webhookNotFound(webhookId))]);
  await deleteWebhookPartition(webhookId);
  return noContent();
}
