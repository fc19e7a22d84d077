/**
 * What a TFE request names, read and checked for the caller: an organization by name, a workspace by
 * name or by id, a run by id. Outsiders learn nothing (404, as everywhere in the service).
 * Round trips: organization by name 2 (its name guard, then the item); workspace by name 3; workspace
 * by id 2 (the workspace with what the route needs of its partition, then its organization); run 1.
 */
import type { Principal } from '../auth/principal';
import { NotFound } from '../domain/errors';
import { isMember, requireMember } from '../domain/permissions';
import type { JobRecord, OrganizationRecord, WorkspaceRecord } from '../domain/records';
import { jobRef } from '../store/repositories/jobs';
import { organizationIdByNameRef, organizationRef } from '../store/repositories/organizations';
import { readTogether, type Ref } from '../store/repositories/batch';
import { workspaceIdByNameRef, workspaceRef } from '../store/repositories/workspaces';
import { read } from '../store/table';
import { parseRunTfeId, parseWorkspaceTfeId, type JobKey } from './ids';

export const organizationNotFound = (name: string) => new NotFound(`organization ${name} does not exist`);
export const workspaceNotFound = (name: string) => new NotFound(`workspace ${name} does not exist`);

/** A name no organization or workspace can have is simply not found (no read). */
const possibleName = (name: string) => name.length > 0 && name.length <= 256 && !/[\p{Cc}\p{Cs}]/u.test(name);

export async function organizationByName(principal: Principal, name: string): Promise<OrganizationRecord> {
  const id = possibleName(name) ? await read(organizationIdByNameRef(name)) : undefined;
  const org = id ? await read(organizationRef(id)) : undefined;
  return requireMember(principal, org, name);
}

export interface WorkspaceScope<R extends Record<string, Ref<unknown> | undefined>> {
  org: OrganizationRecord;
  workspace: WorkspaceRecord;
  refs: { [K in keyof R]: R[K] extends Ref<infer T> ? T | undefined : undefined };
}

type Refs = Record<string, Ref<unknown> | undefined>;

/** The organization's workspace of this name, with more of its partition read along (`refs`). */
export async function workspaceByName<R extends Refs>(principal: Principal, orgName: string, name: string, refs: (ws: string) => R = () => ({}) as R): Promise<WorkspaceScope<R>> {
  const orgId = possibleName(orgName) ? await read(organizationIdByNameRef(orgName)) : undefined;
  if (!orgId) throw organizationNotFound(orgName);
  const found = await readTogether({ org: organizationRef(orgId), wsId: possibleName(name) ? workspaceIdByNameRef(orgId, name) : undefined });
  const org = requireMember(principal, found.org, orgName);
  if (!found.wsId) throw workspaceNotFound(name);
  const { workspace, ...rest } = (await readTogether({ ...refs(found.wsId), workspace: workspaceRef(found.wsId) })) as { workspace?: WorkspaceRecord } & Record<string, unknown>;
  if (!workspace || workspace.deleted || workspace.organizationId !== org.id) throw workspaceNotFound(name);
  return { org, workspace, refs: rest as WorkspaceScope<R>['refs'] };
}

/** A workspace by its TFE id (ws-<id>), with more of its partition read along (`refs`). */
export async function workspaceById<R extends Refs>(principal: Principal, tfeId: string, refs: (ws: string) => R = () => ({}) as R): Promise<WorkspaceScope<R>> {
  const id = parseWorkspaceTfeId(tfeId);
  if (!id) throw workspaceNotFound(tfeId);
  return workspaceOf(principal, id, refs, tfeId);
}

/** A workspace by its id, for a member of its organization. */
export async function workspaceOf<R extends Refs>(principal: Principal, id: string, refs: (ws: string) => R = () => ({}) as R, shownAs = id): Promise<WorkspaceScope<R>> {
  // An id no workspace can have is simply not found (no read: it could not even be a key).
  if (!possibleName(id)) throw workspaceNotFound(shownAs.slice(0, 256));
  const { workspace, ...rest } = (await readTogether({ ...refs(id), workspace: workspaceRef(id) })) as { workspace?: WorkspaceRecord } & Record<string, unknown>;
  // A soft-deleted workspace is gone on every path, as in the Jobs API (its item stays for its jobs' record).
  if (!workspace || workspace.deleted) throw workspaceNotFound(shownAs);
  const org = await read(organizationRef(workspace.organizationId));
  if (!org || !isMember(principal, org)) throw workspaceNotFound(shownAs);
  return { org, workspace, refs: rest as WorkspaceScope<R>['refs'] };
}

export const runNotFound = (id: string) => new NotFound(`run ${id} does not exist`);

/** A job by its key (a run, plan or apply id), for a member of its organization: one read. */
export async function jobByKey(principal: Principal, key: JobKey | undefined, shownAs: string): Promise<{ org: OrganizationRecord; job: JobRecord }> {
  if (!key) throw runNotFound(shownAs);
  const found = await readTogether({ org: organizationRef(key.organizationId), job: jobRef(key.organizationId, key.jobId) });
  if (!found.org || !isMember(principal, found.org) || !found.job) throw runNotFound(shownAs);
  return { org: found.org, job: found.job };
}

export const runById = (principal: Principal, id: string) => jobByKey(principal, parseRunTfeId(id), id);
