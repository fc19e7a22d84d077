/**
 * The seam where schedules (issue 14) plug into workspaces: a workspace's schedule linkage, what
 * `include=schedule` includes, and what a soft delete does to them. Until the schedule resource exists
 * a workspace has none.
 */
import type { WorkspaceRecord } from '../domain/records';
import type { ApiRequest } from '../http/api-handler';
import type { Relationship, ResourceObject } from '../http/jsonapi';

/** The `schedule` relationship of a workspace as rendered without an include. */
export const scheduleLinkage = (_workspace: WorkspaceRecord): Relationship => ({ data: [] });

/** The workspace's schedules, for include=schedule (their linkage is taken from what is returned). */
export async function workspaceSchedules(_req: ApiRequest, _workspace: WorkspaceRecord): Promise<ResourceObject[]> {
  return [];
}

/** A soft-deleted workspace's schedules stop firing (Terrakube disables them). */
export async function disableWorkspaceSchedules(_workspace: WorkspaceRecord): Promise<void> {}
