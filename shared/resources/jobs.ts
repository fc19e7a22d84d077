/** Jobs on the organization path (contract §3): create, read, change status/comments, delete. */
import * as v from 'valibot';
import { COMMAND_TEMPLATES } from '../domain/default-templates';
import { Conflict, Forbidden, Invalid, NotFound, pointer } from '../domain/errors';
import { JOB_STATUSES, isTerminal, transitionRefusal } from '../domain/job-status';
import { canApprove, canCancel, hasPermission, requireMember, requirePermission } from '../domain/permissions';
import { JOB_VIA, type JobRecord, type OrganizationRecord } from '../domain/records';
import type { ApiRequest, ApiResponse } from '../http/api-handler';
import { bool, checkAttributes, checkEchoed, emptyIsNull, enumOf, optionalText, readAttributes, uuid } from '../http/attributes';
import { document, readResourceDocument, type ResourceIdentifier } from '../http/jsonapi';
import { approve, reject } from '../jobs/approval';
import { createdRun, createJob, runToStart } from '../jobs/create-job';
import { cancelJob } from '../jobs/cancel-job';
import { JobAlreadyEnded } from '../jobs/finish-job';
import { commitHash, gitRef } from '../jobs/job-source';
import { replaceAddresses, targetAddresses } from '../jobs/resource-address';
import { startRun } from '../runs/start-run';
import { jobRef, planDeleteEndedJob, planUpdateComments } from '../store/repositories/jobs';
import { organizationRef } from '../store/repositories/organizations';
import { getWorkspace } from '../store/repositories/workspaces';
import { commit, readTogether } from '../store/repositories/batch';
import { artifactStore } from '../wiring';
import { sparse } from './crud-read';
import { AUDIT_ATTRIBUTES, created, noContent, ok, orgParam, updatedAudit } from './common';
import { jobAttributes, jobResource, parseIncludes, stepResource } from './job-documents';
import { organizationResource } from './organizations';
import { validateTcl } from './templates';
import { workspaceResource } from './workspaces';

/**
 * What a job POST may say (contract §3, §8). Go clients send every field they know, zero-valued:
 * "" for a reference or a branch means none, null picks the default, and the status of a new job can
 * only be pending ("" and null say the same).
 */
export const JobCreate = v.object({
  status: emptyIsNull(v.literal('pending', "a new job's status can only be pending")),
  templateReference: emptyIsNull(uuid('a template')),
  tcl: emptyIsNull(v.pipe(v.string('must be a base64-encoded YAML flow'), v.maxLength(200_000, 'is too large'))),
  command: emptyIsNull(enumOf(Object.keys(COMMAND_TEMPLATES) as (keyof typeof COMMAND_TEMPLATES)[])),
  overrideBranch: emptyIsNull(gitRef),
  commitId: emptyIsNull(commitHash),
  via: v.nullish(enumOf(JOB_VIA), 'UI'),
  refresh: v.nullish(bool(), true),
  refreshOnly: v.nullish(bool(), false),
  autoApply: v.nullish(bool(), false),
  comments: optionalText(512),
  targetAddrs: targetAddresses(),
  replaceAddrs: replaceAddresses(),
});
export const JobPatch = v.object({ status: emptyIsNull(enumOf(JOB_STATUSES)), comments: optionalText(512) });
/** Set by the server; only Terrakube's own services may set the forbidden ones (a 403 for anyone else). */
export const JOB_CREATE_RULES = {
  readOnly: ['planChanges', 'output', 'terraformPlan', ...AUDIT_ATTRIBUTES],
  forbidden: ['approvalTeam', 'overrideSource', 'prNumber', 'prCommentError'],
};
const PATCH_RULES = {
  readOnly: [...Object.keys(JobCreate.entries), ...JOB_CREATE_RULES.readOnly, ...JOB_CREATE_RULES.forbidden].filter((k) => k !== 'status' && k !== 'comments'),
};
/** A job's relationships in a document: the workspace (and organization) on POST; the rest are the server's. */
const JOB_RELATIONSHIPS = {
  workspace: 'workspace',
  organization: 'organization',
  step: { type: 'step', many: true, readOnly: true },
  address: { type: 'address', many: true, readOnly: true },
};

const toOne = (linkage: ResourceIdentifier | null | ResourceIdentifier[] | undefined) => (Array.isArray(linkage) ? undefined : linkage);

/** What a job read understands: include, and sparse fieldsets for the job and each type it includes. */
export const JOB_READ_QUERY = ['include', 'fields[job]', 'fields[step]', 'fields[workspace]', 'fields[organization]'] as const;

/** A path job id: a positive integer, else the job cannot exist. */
export function jobIdParam(req: ApiRequest): number {
  const raw = req.params.jobId ?? '';
  const id = /^[1-9][0-9]{0,9}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(id)) throw new NotFound(`job ${raw} does not exist`);
  return id;
}

/** The organization and the job, in one read. */
export async function loadJob(orgId: string, jobId: number) {
  const { organization, job } = await readTogether({ organization: organizationRef(orgId), job: jobRef(orgId, jobId) });
  return { org: organization, job };
}

export async function readableJob(req: ApiRequest, orgId: string, jobId: number): Promise<{ org: OrganizationRecord; job: JobRecord }> {
  const loaded = await loadJob(orgId, jobId);
  const org = requireMember(req.principal, loaded.org, orgId);
  if (!loaded.job) throw new NotFound(`job ${jobId} does not exist`);
  return { org, job: loaded.job };
}

export async function renderJob(req: ApiRequest, org: OrganizationRecord, job: JobRecord): Promise<ApiResponse> {
  const includes = parseIncludes(req);
  const included = [];
  if (includes.has('step')) included.push(...job.steps.map((s) => stepResource(req, job, s)));
  if (includes.has('workspace')) {
    const workspace = await getWorkspace(job.workspaceId);
    if (workspace) included.push(workspaceResource(req, workspace));
  }
  if (includes.has('organization')) included.push(organizationResource(req, org));
  return ok(document(sparse(req, jobResource(req, job)), includes.size ? { included: included.map((r) => sparse(req, r)) } : {}));
}

export async function getJob(req: ApiRequest): Promise<ApiResponse> {
  const { org, job } = await readableJob(req, orgParam(req), jobIdParam(req));
  return renderJob(req, org, job);
}

/** POST on either path; `workspaceId` comes from the path (v1.3) or the body's relationship. */
export async function postJob(req: ApiRequest, orgId: string, pathWorkspaceId?: string): Promise<ApiResponse> {
  const input = readResourceDocument(req.body, { type: 'job', relationships: JOB_RELATIONSHIPS });
  const { status: _pending, ...attrs } = checkAttributes(input.attributes, JobCreate, JOB_CREATE_RULES);
  const linkedWorkspace = toOne(input.relationships.workspace)?.id;
  if (pathWorkspaceId && linkedWorkspace && linkedWorkspace !== pathWorkspaceId) {
    throw new Conflict('the workspace relationship does not match the workspace in the path', pointer('/data/relationships/workspace/data/id'));
  }
  const workspaceId = pathWorkspaceId ?? linkedWorkspace;
  if (!workspaceId) throw new Invalid('a job needs its workspace relationship', pointer('/data/relationships/workspace'));
  const linkedOrg = toOne(input.relationships.organization)?.id;
  if (linkedOrg && linkedOrg.toLowerCase() !== orgId) {
    throw new Conflict('the organization relationship does not match the organization in the path', pointer('/data/relationships/organization/data/id'));
  }
  if (attrs.tcl) await validateTcl(attrs.tcl);
  const createdJob = await createJob(
    {
      organizationId: orgId,
      workspaceId: workspaceId.toLowerCase(),
      ...attrs,
      targetAddrs: attrs.targetAddrs ?? [],
      replaceAddrs: attrs.replaceAddrs ?? [],
      createdBy: req.principal.email,
    },
    { principal: req.principal },
  );
  const run = runToStart(createdJob);
  if (run) await startRun(run, createdRun(createdJob));
  return created(req, jobResource(req, createdJob.job));
}

export async function patchJob(req: ApiRequest, orgId: string, jobId: number, scope?: (job: JobRecord) => void): Promise<ApiResponse> {
  const input = readResourceDocument(req.body, { type: 'job', id: req.params.jobId, relationships: JOB_RELATIONSHIPS });
  const read = readAttributes(input.attributes, JobPatch, PATCH_RULES);
  const loaded = await loadJob(orgId, jobId);
  const org = requireMember(req.principal, loaded.org, orgId);
  const job = loaded.job;
  if (!job) throw new NotFound(`job ${jobId} does not exist`);
  scope?.(job);
  // Clients resend what they read (terrakube-go sends every field): only a real change counts.
  checkEchoed(read.echoed, jobAttributes(job), PATCH_RULES);
  const linked = toOne(input.relationships.workspace);
  if (linked && linked.id.toLowerCase() !== job.workspaceId) throw new Invalid("a job's workspace cannot be changed", pointer('/data/relationships/workspace'));
  const to = read.values.status ?? undefined;
  const attrs = { comments: read.values.comments === undefined || read.values.comments === job.comments ? undefined : read.values.comments };
  if (to !== undefined) {
    const refusal = transitionRefusal(job.status, to);
    if (refusal) throw new Conflict(refusal, pointer('/data/attributes/status'));
    const allowed = to === 'cancelled' ? canCancel(req.principal, org, job.approvalTeam) : canApprove(req.principal, job.approvalTeam);
    if (!allowed) {
      throw new Forbidden(
        to === 'cancelled'
          ? 'cancelling needs the manageJob permission or the approval team'
          : `only members of ${job.approvalTeam ?? 'the approval team'} may ${to === 'approved' ? 'approve' : 'reject'} this job`,
        pointer('/data/attributes/status'),
      );
    }
  }
  if (attrs.comments !== undefined && !hasPermission(req.principal, org, 'manageJob')) {
    throw new Forbidden('changing comments needs the manageJob permission', pointer('/data/attributes/comments'));
  }
  if (to === 'cancelled') await cancel(job, req.principal.email, attrs.comments);
  else if (to === 'approved') await approve(job, req.principal.email);
  else if (to === 'rejected') await reject(job, req.principal.email);
  if (attrs.comments !== undefined && to !== 'cancelled') {
    await commit([planUpdateComments(job, { comments: attrs.comments, ...updatedAudit(req.principal) })]);
  }
  return noContent();
}

async function cancel(job: JobRecord, by: string, comments: string | null | undefined): Promise<void> {
  try {
    await cancelJob(job, by, comments !== undefined ? { comments } : {});
  } catch (error) {
    if (error instanceof JobAlreadyEnded) throw new Conflict(error.message, pointer('/data/attributes/status'));
    throw error;
  }
}

export async function deleteJob(req: ApiRequest, orgId: string, jobId: number, scope?: (job: JobRecord) => void): Promise<ApiResponse> {
  const loaded = await loadJob(orgId, jobId);
  requirePermission(req.principal, loaded.org, orgId, 'manageJob', 'deleting jobs');
  const job = loaded.job;
  if (!job) throw new NotFound(`job ${jobId} does not exist`);
  scope?.(job);
  if (!isTerminal(job.status)) throw new Conflict(`the job is ${job.status}; cancel the job first`);
  await commit([planDeleteEndedJob(job)]);
  // Steps went with the item; logs, plans and step contexts go now.
  await artifactStore().removeJob(orgId, jobId);
  return noContent();
}

/** The routes of /organization/{orgId}/job[/{jobId}]. */
export { listOrganizationJobs as list } from './job-list';
export const get = getJob;
export const create = (req: ApiRequest) => postJob(req, orgParam(req));
export const update = (req: ApiRequest) => patchJob(req, orgParam(req), jobIdParam(req));
export const remove = (req: ApiRequest) => deleteJob(req, orgParam(req), jobIdParam(req));
