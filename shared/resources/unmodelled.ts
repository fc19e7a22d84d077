/**
 * Collections the Terrakube UI reads on its way to a run that this service does not provide (tags,
 * global variables, VCS connections, SSH keys, agents, collections, actions, federated credentials):
 * always empty and read-only, so the UI's pages load. Writes reach the fallback, which answers 405 with
 * a detail naming the feature (routes.ts `notProvided`). Inside an organization the caller must be a
 * member, as for every other read there (an outsider gets 404).
 */
import { NotFound } from '../domain/errors';
import { isMember, requireMember } from '../domain/permissions';
import { getOrganization } from '../store/repositories/organizations';
import { getWorkspace } from '../store/repositories/workspaces';
import type { ApiRequest, ApiResponse } from '../http/api-handler';
import { document } from '../http/jsonapi';
import { readScope } from '../store/repositories/scope';
import { ok, orgParam, uuidParam } from './common';

/** What the UI sends with these reads (e.g. `filter[action]=active==true;type=in=(...)`); all accepted, none matters. */
export const UNMODELLED_QUERY = [
  ...['action', 'tag', 'globalvar', 'vcs', 'ssh', 'agent', 'collection', 'federated', 'workspacetag'].flatMap((t) => [`filter[${t}]`, `fields[${t}]`]),
  'include',
  'sort',
  'page[size]',
  'page[number]',
  'page[totals]',
  'limit',
] as const;

async function checkScope(req: ApiRequest): Promise<void> {
  if (req.params.orgId === undefined) return;
  const orgId = orgParam(req);
  const workspaceId = req.params.workspaceId === undefined ? undefined : uuidParam(req, 'workspaceId', 'workspace');
  const scope = await readScope({ orgId, workspaceId }, undefined);
  requireMember(req.principal, scope.organization, orgId);
  if (workspaceId && !scope.parents.workspace) throw new NotFound(`workspace ${workspaceId} does not exist`);
}

export async function emptyCollection(req: ApiRequest): Promise<ApiResponse> {
  await checkScope(req);
  return ok(document([], { links: { self: `${req.baseUrl}${req.path}` } }));
}

/** GET /notification/v1/workspace/{ws}/deliveries: a plain JSON array, as Terrakube answers. */
export async function noDeliveries(req: ApiRequest): Promise<ApiResponse> {
  const workspaceId = uuidParam(req, 'workspaceId', 'workspace');
  const workspace = await getWorkspace(workspaceId);
  const org = workspace ? await getOrganization(workspace.organizationId) : undefined;
  if (!workspace || !org || !isMember(req.principal, org)) throw new NotFound(`workspace ${workspaceId} does not exist`);
  return { status: 200, headers: { 'content-type': 'application/json' }, body: '[]' };
}
