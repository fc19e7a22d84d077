/**
 * The v1.3 job paths, /workspace/{ws}/job[/{id}]: the same jobs as the organization path, scoped by the
 * workspace (a job of another workspace is not found), the workspace relationship optional on POST.
 */
import { NotFound } from '../domain/errors';
import { isMember } from '../domain/permissions';
import type { JobRecord, OrganizationRecord, WorkspaceRecord } from '../domain/records';
import type { ApiRequest, ApiResponse } from '../http/api-handler';
import { getOrganization } from '../store/repositories/organizations';
import { getWorkspace } from '../store/repositories/workspaces';
import { uuidParam } from './common';
import { searchJobs } from './job-list';
import { deleteJob, jobIdParam, loadJob, patchJob, postJob, renderJob } from './jobs';

const workspaceNotFound = (id: string) => new NotFound(`workspace ${id} does not exist`);

/** The workspace of the path; an outsider cannot tell it from one that does not exist. */
async function pathWorkspace(req: ApiRequest): Promise<WorkspaceRecord> {
  const workspaceId = uuidParam(req, 'workspaceId', 'workspace');
  const workspace = await getWorkspace(workspaceId);
  if (!workspace) throw workspaceNotFound(workspaceId);
  return workspace;
}

const inWorkspace = (workspace: WorkspaceRecord, jobId: number) => (job: JobRecord) => {
  if (job.workspaceId !== workspace.id) throw new NotFound(`job ${jobId} does not exist`);
};

function requireWorkspaceMember(req: ApiRequest, org: OrganizationRecord | undefined, workspace: WorkspaceRecord): OrganizationRecord {
  if (!org || !isMember(req.principal, org)) throw workspaceNotFound(workspace.id);
  return org;
}

export async function listWorkspaceJobs(req: ApiRequest): Promise<ApiResponse> {
  const workspace = await pathWorkspace(req);
  const org = requireWorkspaceMember(req, await getOrganization(workspace.organizationId), workspace);
  return searchJobs(req, { organizationId: org.id, workspaceId: workspace.id }, org, `/workspace/${workspace.id}/job`);
}

export async function postWorkspaceJob(req: ApiRequest): Promise<ApiResponse> {
  const workspace = await pathWorkspace(req);
  return postJob(req, workspace.organizationId, workspace.id);
}

export async function getWorkspaceJob(req: ApiRequest): Promise<ApiResponse> {
  const workspace = await pathWorkspace(req);
  const jobId = jobIdParam(req);
  const loaded = await loadJob(workspace.organizationId, jobId);
  const org = requireWorkspaceMember(req, loaded.org, workspace);
  if (!loaded.job) throw new NotFound(`job ${jobId} does not exist`);
  inWorkspace(workspace, jobId)(loaded.job);
  return renderJob(req, org, loaded.job);
}

export async function patchWorkspaceJob(req: ApiRequest): Promise<ApiResponse> {
  const workspace = await pathWorkspace(req);
  const jobId = jobIdParam(req);
  return patchJob(req, workspace.organizationId, jobId, inWorkspace(workspace, jobId));
}

export async function deleteWorkspaceJob(req: ApiRequest): Promise<ApiResponse> {
  const workspace = await pathWorkspace(req);
  const jobId = jobIdParam(req);
  return deleteJob(req, workspace.organizationId, jobId, inWorkspace(workspace, jobId));
}

/** The routes of /workspace/{workspaceId}/job[/{jobId}]. */
export { listWorkspaceJobs as list, getWorkspaceJob as get, postWorkspaceJob as create, patchWorkspaceJob as update, deleteWorkspaceJob as remove };
