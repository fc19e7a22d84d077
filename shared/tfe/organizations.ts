/** Organizations in the TFE API: addressed by name, with the entitlements terraform checks before anything else. */
import type { ApiRequest, ApiResponse } from '../http/api-handler';
import type { ResourceObject } from '../http/jsonapi';
import type { OrganizationRecord } from '../domain/records';
import { listLiveJobs } from '../store/repositories/jobs';
import { ok } from '../resources/common';
import { many, one, tfeDocument, tfeList } from './documents';
import { runTfeId, workspaceTfeId } from './ids';
import { organizationByName } from './scope';
import { tfeCan } from './permissions';

export const TFE_BASE = '/api/v2';

export function organizationResource(req: ApiRequest, org: OrganizationRecord): ResourceObject {
  const manage = tfeCan(req.principal, org, 'createWorkspace');
  return {
    type: 'organizations',
    id: org.name,
    attributes: {
      name: org.name,
      'external-id': org.id,
      email: null,
      'created-at': org.createdDate,
      'collaborator-auth-policy': 'password',
      'cost-estimation-enabled': false,
      'default-execution-mode': 'remote',
      'session-timeout': null,
      permissions: {
        'can-create-workspace': manage,
        'can-update': req.principal.isAdmin,
        'can-destroy': req.principal.isAdmin,
        'can-manage-run-tasks': false,
        'can-update-oauth': false,
        'can-update-sentinel': false,
      },
    },
    relationships: { 'default-project': one('projects', null) },
    links: { self: `${TFE_BASE}/organizations/${encodeURIComponent(org.name)}` },
  };
}

export async function getOrganization(req: ApiRequest): Promise<ApiResponse> {
  return ok(tfeDocument(organizationResource(req, await organizationByName(req.principal, req.params.organization ?? ''))));
}

/** `operations: true` lets terraform run plans and applies here (false would force every operation local). */
export async function getEntitlements(req: ApiRequest): Promise<ApiResponse> {
  const org = await organizationByName(req.principal, req.params.organization ?? '');
  return ok(
    tfeDocument({
      type: 'entitlement-sets',
      id: org.name,
      attributes: {
        operations: true,
        'state-storage': true,
        'private-module-registry': false,
        sentinel: false,
        teams: true,
        'vcs-integrations': true,
        agents: false,
        'audit-logging': false,
        'cost-estimation': false,
        'run-tasks': false,
        sso: false,
        'global-run-tasks': false,
      },
    }),
  );
}

/** How many runs wait and run in the organization (terraform shows it only while its run is pending). */
export async function getCapacity(req: ApiRequest): Promise<ApiResponse> {
  const org = await organizationByName(req.principal, req.params.organization ?? '');
  const live = await listLiveJobs([org.id]);
  const running = live.filter((j) => j.status !== 'pending').length;
  return ok(tfeDocument({ type: 'organization-capacity', id: org.name, attributes: { pending: live.length - running, running } }));
}

/** The organization's runs that have not ended, oldest first, as terraform's queue display reads them. */
export async function getRunQueue(req: ApiRequest): Promise<ApiResponse> {
  const org = await organizationByName(req.principal, req.params.organization ?? '');
  const live = (await listLiveJobs([org.id])).sort((a, b) => a.id - b.id);
  const waiting = live.filter((j) => j.status === 'pending');
  const resources: ResourceObject[] = live.map((j) => ({
    type: 'runs',
    id: runTfeId(org.id, j.id),
    attributes: { status: j.status === 'pending' ? 'pending' : 'planning', 'position-in-queue': Math.max(0, waiting.findIndex((w) => w.id === j.id) + 1) },
    relationships: { workspace: one('workspaces', workspaceTfeId(j.workspaceId)), 'task-stages': many('task-stages', []) },
  }));
  return ok(tfeList(resources));
}
