/**
 * What the Terrakube UI asks before enabling its buttons (Terrakube's TeamTokenController): the
 * caller's effective flags in an organization or one of its workspaces, the OR over the caller's teams,
 * answered as Terrakube does (202 with a flat object of 11 booleans). Administrators get every flag.
 * An outsider, or a workspace of another organization, is a 404 as everywhere else (never a 401: the UI
 * signs the user out on any 401).
 */
import { hasPermission, requireMember, type OrganizationAccess } from '../domain/permissions';
import { NotFound } from '../domain/errors';
import type { Principal } from '../auth/principal';
import type { ApiRequest, ApiResponse } from '../http/api-handler';
import { readScope } from '../store/repositories/scope';
import { orgParam, uuidParam } from './common';

export interface UiPermissions {
  manageState: boolean;
  manageWorkspace: boolean;
  manageModule: boolean;
  manageProvider: boolean;
  manageVcs: boolean;
  manageTemplate: boolean;
  manageCollection: boolean;
  manageJob: boolean;
  planJob: boolean;
  approveJob: boolean;
  managePermission: boolean;
}

/** Our teams carry three flags; the rest follow from them (running and approving jobs is manageJob). */
export function uiPermissions(principal: Principal, org: OrganizationAccess): UiPermissions {
  const admin = principal.isAdmin;
  const workspace = hasPermission(principal, org, 'manageWorkspace');
  const job = hasPermission(principal, org, 'manageJob');
  return {
    manageState: workspace,
    manageWorkspace: workspace,
    manageModule: admin,
    manageProvider: admin,
    manageVcs: admin,
    manageTemplate: hasPermission(principal, org, 'manageTemplate'),
    manageCollection: admin,
    manageJob: job,
    planJob: job,
    approveJob: job,
    // Only administrators manage teams here (contract §6).
    managePermission: admin,
  };
}

const accepted = (body: unknown): ApiResponse => ({ status: 202, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

export async function organizationPermissions(req: ApiRequest): Promise<ApiResponse> {
  const orgId = orgParam(req);
  const scope = await readScope({ orgId }, undefined);
  return accepted(uiPermissions(req.principal, requireMember(req.principal, scope.organization, orgId)));
}

export async function workspacePermissions(req: ApiRequest): Promise<ApiResponse> {
  const orgId = orgParam(req);
  const workspaceId = uuidParam(req, 'workspaceId', 'workspace');
  const scope = await readScope({ orgId, workspaceId }, undefined);
  const org = requireMember(req.principal, scope.organization, orgId);
  if (!scope.parents.workspace) throw new NotFound(`workspace ${workspaceId} does not exist`);
  return accepted(uiPermissions(req.principal, org));
}

/** The caller's groups (EditTeam reads them to offer team names). */
export async function currentTeams(req: ApiRequest): Promise<ApiResponse> {
  return accepted({ groups: req.principal.groups });
}

/** Team API tokens are not provided: an empty list, so the team page loads. */
export async function teamTokens(): Promise<ApiResponse> {
  return accepted([]);
}
