/**
 * Runs are jobs. `terraform plan` queues a plan-only job, `apply` a Terraform-Plan/Apply-Cli job and
 * `destroy` a Terraform-Plan/Destroy-Cli job (Terrakube's templates, approval team TERRAFORM_CLI), all
 * with `via: CLI`, through the same job creation, queue, state machine and executor as every other job;
 * the executor unpacks the run's uploaded configuration instead of checking out git. Confirming the
 * apply approves the job, discarding it rejects it, cancelling cancels it.
 */
import { randomBytes } from 'node:crypto';
import { DEFAULT_TEMPLATES, defaultTemplateTcl } from '../domain/default-templates';
import { Conflict, Forbidden, Invalid, attribute, pointer } from '../domain/errors';
import { isTerminal } from '../domain/job-status';
import type { CliRun, JobRecord, OrganizationRecord } from '../domain/records';
import { parseConfigurationVersionId } from '../domain/versions';
import type { ApiRequest, ApiResponse } from '../http/api-handler';
import type { ResourceObject } from '../http/jsonapi';
import { approve, reject } from '../jobs/approval';
import { cancelJob } from '../jobs/cancel-job';
import { createdRun, createJob, runToStart } from '../jobs/create-job';
import { JobAlreadyEnded } from '../jobs/finish-job';
import { ok } from '../resources/common';
import { startRun } from '../runs/start-run';
import { read } from '../store/table';
import { configurationVersionRef, latestUploadedConfiguration } from '../store/repositories/configuration-versions';
import { listNewestWorkspaceJobs } from '../store/repositories/jobs';
import { stateHeadRef } from '../store/repositories/state-versions';
import { templateIdByNameRef } from '../store/repositories/templates';
import { attr, isBool, isText, isTextList, many, one, pageOf, readTfeDocument, tfeDocument, tfeList } from './documents';
import { phaseTfeId, runTfeId, workspaceTfeId } from './ids';
import { TFE_BASE } from './organizations';
import { phaseResource } from './phases';
import { canCancelRun, canConfirmRun, requireTfe } from './permissions';
import { runView } from './run-view';
import { runById, workspaceById, workspaceOf } from './scope';
import { requireUploaded } from './configuration-versions';
import { workspaceResource } from './workspaces';

/** A user's TFE id (users are known by their token's email). */
export const userTfeId = (email: string) => `user-${email.replace(/[^A-Za-z0-9@._+-]/g, '_')}`;

export function runResource(req: ApiRequest, org: OrganizationRecord, job: JobRecord): ResourceObject {
  const view = runView(job);
  const cli = job.cli;
  const canConfirm = canConfirmRun(req.principal, org, job.approvalTeam ?? 'TERRAFORM_CLI');
  const canCancel = canCancelRun(req.principal, org, job.approvalTeam);
  return {
    type: 'runs',
    id: runTfeId(job.organizationId, job.id),
    attributes: {
      actions: view.actions,
      'auto-apply': job.autoApply,
      'allow-empty-apply': false,
      'allow-config-generation': false,
      'created-at': job.createdDate,
      'has-changes': view.hasChanges,
      'is-destroy': view.isDestroy,
      message: cli?.message ?? job.comments ?? `Job ${job.id} (${job.via})`,
      'plan-only': cli?.speculative ?? false,
      refresh: job.refresh,
      'refresh-only': job.refreshOnly,
      'replace-addrs': cli?.replaceAddrs.length ? cli.replaceAddrs : null,
      'target-addrs': cli?.targetAddrs.length ? cli.targetAddrs : null,
      'save-plan': false,
      source: cli ? 'tfe-configuration-version' : 'tfe-api',
      status: view.status,
      'status-timestamps': view.timestamps,
      'terraform-version': cli?.terraformVersion ?? null,
      'trigger-reason': 'manual',
      'position-in-queue': 0,
      permissions: {
        'can-apply': canConfirm,
        'can-cancel': canCancel,
        'can-discard': canConfirm,
        'can-force-cancel': canCancel,
        'can-force-execute': false,
      },
      variables: cli?.variables ?? [],
    },
    relationships: {
      workspace: one('workspaces', workspaceTfeId(job.workspaceId)),
      plan: one('plans', phaseTfeId('plan', job.organizationId, job.id)),
      apply: one('applies', phaseTfeId('apply', job.organizationId, job.id)),
      'configuration-version': one('configuration-versions', cli?.configurationVersionId ?? null),
      'created-by': one('users', userTfeId(job.createdBy)),
      'confirmed-by': one('users', null),
      'cost-estimate': one('cost-estimates', null),
      'policy-checks': many('policy-checks', []),
      'task-stages': many('task-stages', []),
      'run-events': many('run-events', []),
      comments: many('comments', []),
    },
    links: { self: `${TFE_BASE}/runs/${runTfeId(job.organizationId, job.id)}` },
  };
}

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,127}$/;
/** A resource address terraform takes for -target / -replace: starts like one, no control characters (terraform checks the rest). */
const ADDRESS = /^[A-Za-z_][\p{L}\p{N}\p{P}\p{S} ]{0,1023}$/u;

function runVariables(value: unknown): { key: string; value: string }[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.length > 200) throw new Invalid('variables must be a list of at most 200 {key, value}', attribute('variables'));
  return value.map((v, i) => {
    const at = `variables/${i}`;
    if (typeof v !== 'object' || v === null || typeof v.key !== 'string' || typeof v.value !== 'string') throw new Invalid('each variable needs a string key and value', attribute(at));
    if (!VARIABLE_NAME.test(v.key)) throw new Invalid(`'${v.key}' is not a variable name`, attribute(`${at}/key`));
    if (v.value.length > 65_536) throw new Invalid(`the value of ${v.key} is too long`, attribute(`${at}/value`));
    return { key: v.key, value: v.value };
  });
}

function addresses(list: string[], name: string): string[] {
  if (list.length > 200) throw new Invalid(`${name} may name at most 200 addresses`, attribute(name));
  for (const [i, a] of list.entries()) if (!ADDRESS.test(a)) throw new Invalid(`'${a}' is not a resource address`, attribute(`${name}/${i}`));
  return list;
}

/** Which flow a run gets: a template of the organization by its default name, or that template's own flow if it was removed. */
async function flowOf(orgId: string, speculative: boolean, isDestroy: boolean): Promise<{ templateReference?: string; tcl?: string }> {
  if (speculative && isDestroy) return { tcl: Buffer.from('flow:\n  - type: "terraformPlanDestroy"\n    name: "Plan Destroy"\n    step: 100\n').toString('base64') };
  const name = speculative ? 'Plan' : isDestroy ? 'Terraform-Plan/Destroy-Cli' : 'Terraform-Plan/Apply-Cli';
  const id = await read(templateIdByNameRef(orgId, name));
  if (id) return { templateReference: id };
  return { tcl: defaultTemplateTcl(DEFAULT_TEMPLATES.find((t) => t.name === name) as (typeof DEFAULT_TEMPLATES)[number]) };
}

export async function create(req: ApiRequest): Promise<ApiResponse> {
  const input = readTfeDocument(req.body, 'runs');
  const wsLink = input.relationships.workspace;
  if (!wsLink || wsLink.type !== 'workspaces') throw new Invalid('a run needs its workspace relationship', pointer('/data/relationships/workspace'));
  if (attr(input, 'save-plan', isBool, 'true or false', false)) throw new Invalid('saved cloud plans (terraform plan -out) are not supported yet; run terraform apply', attribute('save-plan'));
  const isDestroy = attr(input, 'is-destroy', isBool, 'true or false', false);
  const refreshOnly = attr(input, 'refresh-only', isBool, 'true or false', false);
  const autoApply = attr(input, 'auto-apply', isBool, 'true or false', false);
  const refresh = attr(input, 'refresh', isBool, 'true or false', true);
  const planOnly = attr(input, 'plan-only', isBool, 'true or false', false);
  const message = attr(input, 'message', isText, 'a string', 'Queued by the terraform CLI').slice(0, 512);
  const variables = runVariables(input.attributes.variables);
  const targetAddrs = addresses(attr(input, 'target-addrs', isTextList, 'a list of resource addresses', [] as string[]), 'target-addrs');
  const replaceAddrs = addresses(attr(input, 'replace-addrs', isTextList, 'a list of resource addresses', [] as string[]), 'replace-addrs');
  const cvLink = input.relationships['configuration-version'];
  const cvIds = cvLink ? parseConfigurationVersionId(cvLink.id) : undefined;
  if (cvLink && !cvIds) throw new Invalid(`configuration version ${cvLink.id} does not exist`, pointer('/data/relationships/configuration-version'));

  const { org, workspace, refs } = await workspaceById(req.principal, wsLink.id, (ws) => ({ cv: cvIds && cvIds.workspaceId === ws ? configurationVersionRef(ws, cvIds.key) : undefined }));
  if (cvIds && !refs.cv) throw new Invalid(`configuration version ${cvLink?.id} does not exist in this workspace`, pointer('/data/relationships/configuration-version'));
  const cv = refs.cv ?? (await latestUploadedConfiguration(workspace.id));
  if (!cv) throw new Invalid('the workspace has no uploaded configuration: run it from the terraform CLI', pointer('/data/relationships/configuration-version'));
  requireUploaded(cv);
  const speculative = cv.speculative || planOnly;
  requireTfe(req.principal, org, speculative ? 'queueRun' : 'queueApply', speculative ? 'queueing plans' : 'queueing applies');

  const cli: CliRun = {
    configurationVersionId: cv.id,
    speculative,
    isDestroy,
    message,
    variables,
    targetAddrs,
    replaceAddrs,
    terraformVersion: req.headers['terraform-version'] ?? null,
    logToken: randomBytes(24).toString('base64url'),
  };
  const createdJob = await createJob(
    {
      organizationId: org.id,
      workspaceId: workspace.id,
      ...(await flowOf(org.id, speculative, isDestroy)),
      via: 'CLI',
      refresh,
      refreshOnly,
      autoApply,
      targetAddrs,
      replaceAddrs,
      createdBy: req.principal.email,
      cli,
    },
    { principal: req.principal },
  );
  const run = runToStart(createdJob);
  if (run) await startRun(run, createdRun(createdJob));
  const resource = runResource(req, org, createdJob.job);
  return { status: 201, body: tfeDocument(resource), headers: { location: `${req.baseUrl}${resource.links?.self}` } };
}

export async function get(req: ApiRequest): Promise<ApiResponse> {
  const { org, job } = await runById(req.principal, req.params.runId ?? '');
  const includes = new Set((req.query.get('include') ?? '').split(',').map((s) => s.trim()));
  const included: ResourceObject[] = [];
  if (includes.has('plan')) included.push(phaseResource(req, job, 'plan'));
  if (includes.has('apply')) included.push(phaseResource(req, job, 'apply'));
  if (includes.has('workspace')) {
    const scope = await workspaceOf(req.principal, job.workspaceId, (ws) => ({ head: stateHeadRef(ws) })).catch(() => undefined);
    if (scope) included.push(workspaceResource(req, scope.org, scope.workspace, scope.refs.head));
  }
  return ok(tfeDocument(runResource(req, org, job), included));
}

/** terraform reads the run's events before anything else; there are none to tell. */
export async function events(req: ApiRequest): Promise<ApiResponse> {
  await runById(req.principal, req.params.runId ?? '');
  return ok(tfeList([]));
}

/** A workspace's runs, newest first (terraform counts the ones ahead of its own while it waits). */
export async function listOfWorkspace(req: ApiRequest): Promise<ApiResponse> {
  const { org, workspace } = await workspaceById(req.principal, req.params.workspaceTfeId ?? '');
  const page = pageOf(req.query);
  const want = Math.min(page.number * page.size, 1000);
  const jobs = await listNewestWorkspaceJobs(workspace.id, want + 1);
  const shown = jobs.slice((page.number - 1) * page.size, page.number * page.size);
  const total = jobs.length > want ? want + 1 : jobs.length;
  return ok(tfeList(shown.map((j) => runResource(req, org, j)), page, total));
}

const accepted = (): ApiResponse => ({ status: 202 });

async function act(req: ApiRequest, action: (org: OrganizationRecord, job: JobRecord) => Promise<void>): Promise<ApiResponse> {
  const { org, job } = await runById(req.principal, req.params.runId ?? '');
  try {
    await action(org, job);
  } catch (error) {
    if (error instanceof JobAlreadyEnded) throw new Conflict(`the run has already ended (${runView(job).status})`);
    throw error;
  }
  return accepted();
}

/** Confirms the plan (the CLI's "yes"): the job's approval is given. */
export const applyRun = (req: ApiRequest) =>
  act(req, async (org, job) => {
    if (!canConfirmRun(req.principal, org, job.approvalTeam)) throw new Forbidden('confirming a run needs the manageJob permission or its approval team');
    if (job.status !== 'waitingApproval') throw new Conflict(`the run is ${runView(job).status}; only a planned run waiting for confirmation can be applied`);
    await approve(job, req.principal.email);
  });

/** Discards the plan (the CLI's "no"): the job is rejected; a run still waiting for its turn is cancelled. */
export const discardRun = (req: ApiRequest) =>
  act(req, async (org, job) => {
    if (!canConfirmRun(req.principal, org, job.approvalTeam)) throw new Forbidden('discarding a run needs the manageJob permission or its approval team');
    if (job.status === 'waitingApproval') return reject(job, req.principal.email);
    if (job.status === 'pending' && job.steps.length === 0) return cancelJob(job, req.principal.email, {});
    throw new Conflict(`the run is ${runView(job).status}; only a planned or pending run can be discarded`);
  });

/** Cancels the run (Ctrl-C while it plans or applies); force-cancel does the same here: the executor is interrupted, then killed. */
export const cancelRun = (req: ApiRequest) =>
  act(req, async (org, job) => {
    if (!canCancelRun(req.principal, org, job.approvalTeam)) throw new Forbidden('cancelling a run needs the manageJob permission or its approval team');
    if (isTerminal(job.status)) throw new JobAlreadyEnded(job.status);
    await cancelJob(job, req.principal.email, {});
  });
