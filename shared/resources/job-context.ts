/**
 * GET /context/v1/{jobId}: what the Terrakube UI's run page reads beside the job (terrakubeUI,
 * planStructuredOutput, applyStructuredOutput, terraformOutputs, jobDiagnostics). The path carries no
 * organization (Terrakube's job ids are global, ours are counted per organization), so the job is looked
 * for in the caller's organizations: one batch read of that id in each. When several organizations have
 * a job with that number the newest is taken. Nothing is recorded for the structured views yet, so the
 * context is `{}`, which is what Terrakube answers before there is any.
 */
import { NotFound } from '../domain/errors';
import type { JobRecord } from '../domain/records';
import type { ApiRequest, ApiResponse } from '../http/api-handler';
import { readMany } from '../store/repositories/batch';
import { jobRef } from '../store/repositories/jobs';
import { listOrganizations, listOrganizationsOfGroups } from '../store/repositories/organizations';

export async function findJobOfCaller(req: ApiRequest, jobId: number): Promise<JobRecord | undefined> {
  const orgs = req.principal.isAdmin ? await listOrganizations() : await listOrganizationsOfGroups(req.principal.groups);
  if (orgs.length === 0) return undefined;
  const jobs = await readMany(orgs.map((o) => jobRef(o.id, jobId)));
  return jobs.sort((a, b) => b.createdDate.localeCompare(a.createdDate))[0];
}

export async function jobContext(req: ApiRequest): Promise<ApiResponse> {
  const raw = req.params.jobId ?? '';
  const job = /^[1-9][0-9]{0,9}$/.test(raw) ? await findJobOfCaller(req, Number(raw)) : undefined;
  if (!job) throw new NotFound(`job ${raw} does not exist`);
  return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({}) };
}
