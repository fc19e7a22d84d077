/**
 * GET /context/v1/{jobId}: what the Terrakube UI's run page reads beside the job (terrakubeUI,
 * planStructuredOutput, applyStructuredOutput, terraformOutputs, jobDiagnostics). The path carries no
 * organization (Terrakube's job ids are global, ours are counted per organization), so the job is looked
 * for in the caller's organizations: one batch read of that id in each. When several organizations have
 * a job with that number the newest is taken. The context is what the executor recorded beside each
 * terraform step's log (executor/structured-view.ts): `planStructuredOutput` after a plan,
 * `applyStructuredOutput` and `terraformOutputs` after an apply, each keyed by step id; `{}` before
 * there is any, as Terrakube answers. One read of each terraform step's view (a flow has a handful).
 */
import { NotFound } from '../domain/errors';
import { TERRAFORM_FLOW_TYPES } from '../domain/flow';
import type { JobRecord } from '../domain/records';
import type { ApiRequest, ApiResponse } from '../http/api-handler';
import { readMany } from '../store/repositories/batch';
import { jobRef } from '../store/repositories/jobs';
import { listOrganizations, listOrganizationsOfGroups } from '../store/repositories/organizations';
import { artifactPaths } from '../runs/artifact-paths';
import { artifactStore } from '../wiring';

export async function findJobOfCaller(req: ApiRequest, jobId: number): Promise<JobRecord | undefined> {
  const orgs = req.principal.isAdmin ? await listOrganizations() : await listOrganizationsOfGroups(req.principal.groups);
  if (orgs.length === 0) return undefined;
  const jobs = await readMany(orgs.map((o) => jobRef(o.id, jobId)));
  return jobs.sort((a, b) => b.createdDate.localeCompare(a.createdDate))[0];
}

async function jobOfPath(req: ApiRequest): Promise<JobRecord> {
  const raw = req.params.jobId ?? '';
  const job = /^[1-9][0-9]{0,9}$/.test(raw) ? await findJobOfCaller(req, Number(raw)) : undefined;
  if (!job) throw new NotFound(`job ${raw} does not exist`);
  return job;
}

export async function jobContext(req: ApiRequest): Promise<ApiResponse> {
  const context = await contextOf(await jobOfPath(req));
  return { status: 200, headers: { 'content-type': 'application/json', 'cache-control': 'no-store' }, body: JSON.stringify(context) };
}

/**
 * GET /context/v1/{jobId}/stream, which the run page opens while a job runs: Terrakube pushes each
 * resource's progress there. The views are recorded when a step ends, so this answers what is recorded
 * so far, one event per phase in the UI's shape ({phase, changes, jobDiagnostics}), and ends; the UI
 * does not reconnect to a stream that ended cleanly and keeps reading /context/v1/{jobId} every 5 s.
 */
export async function jobContextStream(req: ApiRequest): Promise<ApiResponse> {
  const context = await contextOf(await jobOfPath(req));
  const events = (['plan', 'apply'] as const)
    .map((phase) => ({ phase, changes: context[phase === 'plan' ? CONTEXT_KEYS.plan : CONTEXT_KEYS.apply] }))
    .filter((e) => e.changes)
    .map((e) => `data: ${JSON.stringify({ ...e, jobDiagnostics: {} })}\n\n`);
  return { status: 200, headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-store' }, body: events.join('') };
}

interface StepView {
  plan?: unknown[];
  apply?: unknown[];
  outputs?: unknown[];
}

const CONTEXT_KEYS = { plan: 'planStructuredOutput', apply: 'applyStructuredOutput', outputs: 'terraformOutputs' } as const;

async function contextOf(job: JobRecord): Promise<Record<string, Record<string, unknown[]>>> {
  const store = artifactStore();
  const steps = job.steps.filter((s) => TERRAFORM_FLOW_TYPES.includes(s.type) && s.status !== 'pending' && s.status !== 'notExecuted');
  const views = await Promise.all(steps.map(async (s) => [s.id, await store.readText(store.ref(artifactPaths.view(job.organizationId, job.id, s.id)))] as const));
  const context: Record<string, Record<string, unknown[]>> = {};
  for (const [stepId, text] of views) {
    if (!text) continue;
    let view: StepView;
    try {
      view = JSON.parse(text) as StepView;
    } catch {
      continue; // a view cut short: the step's console log still tells it
    }
    for (const [part, key] of Object.entries(CONTEXT_KEYS) as [keyof StepView, string][]) {
      const value = view[part];
      if (Array.isArray(value)) (context[key] ??= {})[stepId] = value;
    }
  }
  return context;
}
