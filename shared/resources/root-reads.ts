/**
 * Reads the terraform provider makes by id alone (contract §8, issue 12 item 6): GET /api/v1/workspace/{id},
 * /api/v1/webhook/{id}, /api/v1/webhook_event/{id}. Each finds the record's organization (and workspace)
 * from a key read, then answers exactly as the organization path does, with its permissions: an outsider,
 * or a record that does not exist, gets the same 404.
 */
import type { ApiRequest, ApiResponse } from '../http/api-handler';
import { read } from '../store/table';
import { webhookEventNotFound, webhookEventPointerRef } from '../store/repositories/webhook-events';
import { webhookNotFound, webhookRef } from '../store/repositories/webhooks';
import { workspaceRef } from '../store/repositories/workspaces';
import { NotFound } from '../domain/errors';
import { uuidParam } from './common';
import { readQuery } from './crud-read';
import * as webhookEvents from './webhook-events';
import * as webhooks from './webhooks';
import * as workspaces from './workspaces';

type Route = (req: ApiRequest) => Promise<ApiResponse>;
const withParams = (req: ApiRequest, params: Record<string, string>): ApiRequest => ({ ...req, params: { ...req.params, ...params } });

export const getWorkspaceById: Route = Object.assign(
  async (req: ApiRequest) => {
    const id = uuidParam(req, 'workspaceId', 'workspace');
    const workspace = await read(workspaceRef(id));
    if (!workspace) throw new NotFound(`workspace ${id} does not exist`);
    return workspaces.get(withParams(req, { orgId: workspace.organizationId, workspaceId: id }));
  },
  { query: readQuery('workspace') },
);

async function webhookParams(id: string): Promise<Record<string, string>> {
  const webhook = await read(webhookRef(id));
  if (!webhook) throw webhookNotFound(id);
  return { orgId: webhook.organizationId, workspaceId: webhook.workspaceId, webhookId: id };
}

export const getWebhookById: Route = Object.assign(
  async (req: ApiRequest) => webhooks.get(withParams(req, await webhookParams(uuidParam(req, 'webhookId', 'webhook')))),
  { query: readQuery('webhook') },
);

export const getWebhookEventById: Route = Object.assign(
  async (req: ApiRequest) => {
    const id = uuidParam(req, 'eventId', 'webhook event');
    const pointer = await read(webhookEventPointerRef(id));
    if (!pointer) throw webhookEventNotFound(id);
    return webhookEvents.get(withParams(req, { ...(await webhookParams(pointer.webhookId)), eventId: id }));
  },
  { query: readQuery('webhook_event') },
);
