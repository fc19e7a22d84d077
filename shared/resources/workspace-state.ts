/**
 * POST /api/v1/organization/{orgId}/workspace/{workspaceId}/actions/force-unlock: removes the state
 * lock a killed terraform left on the workspace's state (what `terraform force-unlock` does), for
 * admins and manageWorkspace members. Answers what the removed lock said (who took it, when, for
 * what), or 409 when the state is not locked. Jobs never need it in the normal course: a cancel stops
 * terraform with an interrupt, which releases the lock, and a step waits for a held lock (-lock-timeout);
 * it is for the lock of a build that was killed outright.
 */
import { Conflict, NotFound } from '../domain/errors';
import { requirePermission } from '../domain/permissions';
import type { ApiRequest, ApiResponse } from '../http/api-handler';
import { document } from '../http/jsonapi';
import { logger } from '../logger';
import { readScope } from '../store/repositories/scope';
import { artifactStore } from '../wiring';
import { ok, orgParam, selfLink, uuidParam } from './common';

export async function forceUnlockState(req: ApiRequest): Promise<ApiResponse> {
  const orgId = orgParam(req);
  const workspaceId = uuidParam(req, 'workspaceId', 'workspace');
  const scope = await readScope({ orgId, workspaceId }, undefined);
  requirePermission(req.principal, scope.organization, orgId, 'manageWorkspace', "unlocking a workspace's state");
  if (!scope.parents.workspace) throw new NotFound(`workspace ${workspaceId} does not exist`);
  const lock = await artifactStore().forceUnlockState(orgId, workspaceId);
  if (!lock) throw new Conflict(`the state of workspace ${workspaceId} is not locked`);
  logger.warn('state lock removed by hand', { organizationId: orgId, workspaceId, by: req.principal.email, lockId: lock.ID, heldBy: lock.Who, operation: lock.Operation, since: lock.Created });
  return ok(
    document({
      type: 'state_lock',
      id: workspaceId,
      attributes: {
        lockId: lock.ID ?? null,
        operation: lock.Operation ?? null,
        who: lock.Who ?? null,
        created: lock.Created ?? null,
        info: lock.Info ?? null,
        version: lock.Version ?? null,
      },
      links: selfLink(req, `/organization/${orgId}/workspace/${workspaceId}/actions/force-unlock`),
    }),
  );
}
