/**
 * The scope of a request's path in one read: the organization, its workspace and the workspace's
 * webhook (each only if it belongs to the one before: a workspace of another organization is "not
 * found"), the item the path names and any other records the request refers to.
 */
import type { OrganizationRecord, WorkspaceRecord } from '../../domain/records';
import type { WebhookRecord } from '../../webhooks/records';
import { readTogether, type Ref } from '../table';
import { organizationRef } from './organizations';
import { webhookRef } from './webhooks';
import { workspaceRef } from './workspaces';

export interface ScopeIds {
  orgId: string;
  workspaceId?: string;
  webhookId?: string;
}

export interface ReadScope<R> {
  organization?: OrganizationRecord;
  parents: { workspace?: WorkspaceRecord; webhook?: WebhookRecord };
  /** Only when every parent was found; `belongs` may refuse it still (an item keyed by its own id). */
  item?: R;
  refs: Record<string, unknown>;
}

export async function readScope<R>(
  ids: ScopeIds,
  item: Ref<R> | undefined,
  refs: Record<string, Ref<unknown> | undefined> = {},
  belongs: (item: R) => boolean = () => true,
): Promise<ReadScope<R>> {
  const {
    organization,
    workspace: ws,
    webhook: wh,
    item: found,
    ...others
  } = (await readTogether<Record<string, Ref<unknown> | undefined>>({
    ...refs,
    organization: organizationRef(ids.orgId),
    workspace: ids.workspaceId ? workspaceRef(ids.workspaceId) : undefined,
    webhook: ids.webhookId ? webhookRef(ids.webhookId) : undefined,
    item,
  })) as { organization?: OrganizationRecord; workspace?: WorkspaceRecord; webhook?: WebhookRecord; item?: R } & Record<string, unknown>;
  const workspace = ws && ws.organizationId === ids.orgId ? ws : undefined;
  const webhook = workspace && wh && wh.workspaceId === ids.workspaceId ? wh : undefined;
  const parentsFound = (!ids.workspaceId || workspace) && (!ids.webhookId || webhook);
  return {
    organization,
    parents: { workspace, webhook },
    item: parentsFound && found && belongs(found as R) ? (found as R) : undefined,
    refs: others,
  };
}
