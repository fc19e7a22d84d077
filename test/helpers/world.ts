/**
 * One organization with one of every resource, through the API, and the concrete path of any route
 * in it: what the table-driven reliability and security tests iterate over.
 */
import { expect } from 'vitest';
import { advance } from '../../shared/run-tasks/advance';
import { parseRunTfeId } from '../../shared/tfe/ids';
import { ROUTES, TFE_ROUTES, type RouteDef } from '../../shared/routes';
import { call } from './api';
import { createJob, createOrganization, createTeam, createWorkspace, doc, templateId, unique } from './fixtures';
import { directObjects, pushState, stateFile, tfe, uploadConfiguration } from './tfe';
import { createRule, createWebhook } from './webhooks';

export interface World {
  org: string;
  team: string;
  workspace: string;
  variable: string;
  template: string;
  job: string;
  step: string;
  webhook: string;
  event: string;
  schedule: string;
  /** The schedule the provider's paths (/workspace/{ws}/schedule/{id}) use: each path's DELETE has its own. */
  providerSchedule: string;
  /** The TFE API's view: the organization's name, a CLI workspace (by TFE id and name), a run of it with its plan and apply, its configuration, a state version and an output. */
  orgName: string;
  tfeWorkspace: string;
  workspaceName: string;
  run: string;
  plan: string;
  apply: string;
  configurationVersion: string;
  stateVersion: string;
  output: string;
  lineage: string;
  logToken: string;
}

/** A CLI-driven workspace with an uploaded configuration, a run (its steps made by its first task) and a state. */
async function buildTfeWorld(admin: string, org: string): Promise<Pick<World, 'orgName' | 'tfeWorkspace' | 'workspaceName' | 'run' | 'plan' | 'apply' | 'configurationVersion' | 'stateVersion' | 'output' | 'lineage' | 'logToken'>> {
  const orgName = (await call('GET', `/api/v1/organization/${org}`, { token: admin })).body.data.attributes.name as string;
  const workspaceName = unique('cli');
  const ws = await tfe('POST', `organizations/${orgName}/workspaces`, admin, { data: { type: 'workspaces', attributes: { name: workspaceName } } });
  expect(ws.status, ws.text).toBe(201);
  const tfeWorkspace = ws.body.data.id as string;
  const configurationVersion = await uploadConfiguration(directObjects, admin, tfeWorkspace, { 'main.tf': 'resource "terraform_data" "x" {}\n' });
  const run = await tfe('POST', 'runs', admin, {
    data: { type: 'runs', attributes: {}, relationships: { workspace: { data: { type: 'workspaces', id: tfeWorkspace } }, 'configuration-version': { data: { type: 'configuration-versions', id: configurationVersion } } } },
  });
  expect(run.status, run.text).toBe(201);
  const key = parseRunTfeId(run.body.data.id) as { organizationId: string; jobId: number };
  await advance({ organizationId: key.organizationId, jobId: key.jobId });
  const plan = run.body.data.relationships.plan.data.id as string;
  const logUrl = (await tfe('GET', `plans/${plan}`, admin)).body.data.attributes['log-read-url'] as string;
  const lineage = crypto.randomUUID();
  const sv = await pushState(directObjects, admin, tfeWorkspace, stateFile(1, lineage, { greeting: { value: 'hi', type: 'string' } }));
  expect(sv.body.data.attributes.status, sv.text).toBe('finalized');
  return {
    orgName,
    tfeWorkspace,
    workspaceName,
    run: run.body.data.id,
    plan,
    apply: run.body.data.relationships.apply.data.id,
    configurationVersion,
    stateVersion: sv.body.data.id,
    output: sv.body.data.relationships.outputs.data[0].id,
    lineage,
    logToken: logUrl.split('/').at(-1) as string,
  };
}

/** With no runner configured the job stays where it is; its run's first task gives it its steps. */
export async function buildWorld(admin: string): Promise<World> {
  const org = await createOrganization(admin);
  const team = await createTeam(admin, org, `WORLD-${crypto.randomUUID().slice(0, 8)}`);
  const workspace = await createWorkspace(admin, org);
  const variable = (
    await call('POST', `/api/v1/organization/${org}/workspace/${workspace}/variable`, { token: admin, body: doc('variable', { key: 'k', value: 'v' }) })
  ).body.data.id;
  const template = await templateId(admin, org, 'Plan');
  const job = await createJob(admin, org, workspace, { templateReference: template });
  const state = await advance({ organizationId: org, jobId: Number(job) });
  const webhook = await createWebhook(admin, org, workspace);
  const event = await createRule(admin, org, workspace, webhook.id, { event: 'PUSH', branch: 'main', templateId: template });
  const newSchedule = async () =>
    (await call('POST', `/api/v1/workspace/${workspace}/schedule`, { token: admin, body: doc('schedule', { cron: '0 0 3 ? * SUN', templateReference: template }) })).body.data.id as string;
  const schedule = await newSchedule();
  const providerSchedule = await newSchedule();
  expect(variable).toBeTruthy();
  expect(schedule).toBeTruthy();
  expect(state.step?.id).toBeTruthy();
  return { org, team, workspace, variable, template, job, step: state.step?.id as string, webhook: webhook.id, event, schedule, providerSchedule, ...(await buildTfeWorld(admin, org)) };
}

const PARAM_OF: Record<string, keyof World> = {
  orgId: 'org',
  teamId: 'team',
  workspaceId: 'workspace',
  variableId: 'variable',
  templateId: 'template',
  jobId: 'job',
  stepId: 'step',
  webhookId: 'webhook',
  eventId: 'event',
  scheduleId: 'schedule',
  organization: 'orgName',
  workspaceName: 'workspaceName',
  workspaceTfeId: 'tfeWorkspace',
  runId: 'run',
  planId: 'plan',
  applyId: 'apply',
  phaseId: 'plan',
  token: 'logToken',
  configurationVersionId: 'configurationVersion',
  stateVersionId: 'stateVersion',
  outputId: 'output',
};

/** Path parameters that name no resource: a file of the API reference page. */
const FIXED_PARAMS: Record<string, string> = { file: 'swagger-ui.css' };

/** The route's path with every parameter filled from the world (or from `override`). */
export function pathOf(route: RouteDef, world: World, override: Record<string, string> = {}): string {
  const provider = route.path.startsWith('/api/v1/workspace/') && route.path.includes('/schedule');
  return route.path.replace(/\{(\w+)\}/g, (_, name: string) =>
    override[name] ??
    FIXED_PARAMS[name] ??
    (name === 'relationship' ? 'vcs' : provider && name === 'scheduleId' ? world.providerSchedule : world[PARAM_OF[name] as keyof World]),
  );
}

export const paramsOf = (route: RouteDef) => [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string);

/** A valid document for each route that takes one: the base the hostile inputs mutate. */
export function validBody(route: RouteDef, world: World): { type: string; attributes: Record<string, unknown>; id?: string; relationships?: unknown } {
  const key = `${route.method} ${route.path}`;
  const member = route.method === 'PATCH';
  const last = paramsOf(route).at(-1) as string;
  const id = member ? (route.path.startsWith('/api/v1/workspace/') && last === 'scheduleId' ? world.providerSchedule : (world[PARAM_OF[last] as keyof World] as string)) : undefined;
  const bodies: Record<string, { type: string; attributes: Record<string, unknown>; relationships?: unknown }> = {
    'POST /api/v1/organization': { type: 'organization', attributes: { name: `o-${crypto.randomUUID()}` } },
    'PATCH /api/v1/organization/{orgId}': { type: 'organization', attributes: { description: 'd' } },
    'POST /api/v1/organization/{orgId}/team': { type: 'team', attributes: { name: `T-${crypto.randomUUID()}` } },
    'PATCH /api/v1/organization/{orgId}/team/{teamId}': { type: 'team', attributes: { manageJob: false } },
    'POST /api/v1/organization/{orgId}/workspace': { type: 'workspace', attributes: { name: `w-${crypto.randomUUID()}`, source: 'https://example.com/r.git' } },
    'PATCH /api/v1/organization/{orgId}/workspace/{workspaceId}': { type: 'workspace', attributes: { description: 'd' } },
    'PATCH /api/v1/organization/{orgId}/workspace/{workspaceId}/relationships/{relationship}': { type: 'vcs', attributes: {} },
    'POST /api/v1/organization/{orgId}/workspace/{workspaceId}/variable': { type: 'variable', attributes: { key: `k${crypto.randomUUID().slice(0, 8)}`, value: 'v' } },
    'PATCH /api/v1/organization/{orgId}/workspace/{workspaceId}/variable/{variableId}': { type: 'variable', attributes: { value: 'v2' } },
    'POST /api/v1/organization/{orgId}/template': {
      type: 'template',
      attributes: { name: `t-${crypto.randomUUID()}`, tcl: Buffer.from('flow:\n  - type: terraformPlan\n    step: 1\n').toString('base64') },
    },
    'PATCH /api/v1/organization/{orgId}/template/{templateId}': { type: 'template', attributes: { description: 'd' } },
    'POST /api/v1/organization/{orgId}/job': {
      type: 'job',
      attributes: { command: 'plan' },
      relationships: { workspace: { data: { type: 'workspace', id: world.workspace } } },
    },
    'PATCH /api/v1/organization/{orgId}/job/{jobId}': { type: 'job', attributes: { comments: 'c' } },
    'POST /api/v1/workspace/{workspaceId}/job': { type: 'job', attributes: { command: 'plan' } },
    'PATCH /api/v1/workspace/{workspaceId}/job/{jobId}': { type: 'job', attributes: { comments: 'c (v1.3 path)' } },
    'POST /api/v1/organization/{orgId}/workspace/{workspaceId}/webhook': { type: 'webhook', attributes: {} },
    'PATCH /api/v1/organization/{orgId}/workspace/{workspaceId}/webhook/{webhookId}': { type: 'webhook', attributes: { description: 'd' } },
    'POST /api/v1/organization/{orgId}/workspace/{workspaceId}/webhook/{webhookId}/events': {
      type: 'webhook_event',
      attributes: { event: 'PUSH', branch: 'main', templateId: world.template },
    },
    'PATCH /api/v1/organization/{orgId}/workspace/{workspaceId}/webhook/{webhookId}/events/{eventId}': { type: 'webhook_event', attributes: { priority: 3 } },
    'POST /api/v1/organization/{orgId}/workspace/{workspaceId}/schedule': { type: 'schedule', attributes: { cron: '0 */5 * ? * * *', templateReference: world.template } },
    'PATCH /api/v1/organization/{orgId}/workspace/{workspaceId}/schedule/{scheduleId}': { type: 'schedule', attributes: { description: 'd' } },
    'POST /api/v1/workspace/{workspaceId}/schedule': { type: 'schedule', attributes: { cron: '0 0 0 ? * MON-FRI', templateReference: world.template } },
    'PATCH /api/v1/workspace/{workspaceId}/schedule/{scheduleId}': { type: 'schedule', attributes: { cron: '0 0/5 * ? * *' } },
  };
  const link = (type: string, id: string) => ({ data: { type, id } });
  Object.assign(bodies, {
    'POST /api/v2/organizations/{organization}/workspaces': { type: 'workspaces', attributes: { name: `w-${crypto.randomUUID()}` } },
    'PATCH /api/v2/workspaces/{workspaceTfeId}': { type: 'workspaces', attributes: { description: 'd' } },
    'POST /api/v2/workspaces/{workspaceTfeId}/actions/lock': { type: '', attributes: { reason: 'Locked by Terraform' } },
    'POST /api/v2/workspaces/{workspaceTfeId}/actions/unlock': { type: '', attributes: {} },
    'POST /api/v2/workspaces/{workspaceTfeId}/actions/force-unlock': { type: '', attributes: {} },
    'POST /api/v2/workspaces/{workspaceTfeId}/state-versions': { type: 'state-versions', attributes: { serial: 2, md5: '0'.repeat(32), lineage: world.lineage } },
    'POST /api/v2/workspaces/{workspaceTfeId}/configuration-versions': { type: 'configuration-versions', attributes: { 'auto-queue-runs': false, speculative: true } },
    'POST /api/v2/runs': {
      type: 'runs',
      attributes: { 'auto-apply': false },
      relationships: { workspace: link('workspaces', world.tfeWorkspace), 'configuration-version': link('configuration-versions', world.configurationVersion) },
    },
    'POST /api/v2/runs/{runId}/actions/apply': { type: '', attributes: {} },
    'POST /api/v2/runs/{runId}/actions/discard': { type: '', attributes: {} },
    'POST /api/v2/runs/{runId}/actions/cancel': { type: '', attributes: {} },
    'POST /api/v2/runs/{runId}/actions/force-cancel': { type: '', attributes: {} },
  });
  const body = bodies[key];
  if (!body) throw new Error(`no valid body known for ${key}: add one (every route taking a document needs one)`);
  return { ...body, ...(id ? { id } : {}) };
}

/** Routes taking one JSON:API resource document (actions such as force-unlock take none; atomic operations and relationship links take their own, tested on their own; GraphQL reads a query instead). */
export const takesDocument = (r: RouteDef) =>
  (r.method === 'POST' || r.method === 'PATCH') && r.auth === 'bearer' && !r.path.includes('/actions/') && r.path !== '/api/v1/operations' && !r.path.includes('/relationships/') && !r.path.startsWith('/graphql/');
/** The Jobs API's write routes (the TFE API reads documents by TFE's rules, tfeDocumentRoutes). */
export const documentRoutes = () => ROUTES.filter((r) => takesDocument(r) && !TFE_ROUTES.includes(r));
/** The TFE API's writes: each takes a document, its actions (lock, apply, discard, cancel) included. */
export const tfeDocumentRoutes = () => TFE_ROUTES.filter((r) => (r.method === 'POST' || r.method === 'PATCH') && r.auth === 'bearer');
/** Whether a request to the route sends validBody's document. */
export const sendsDocument = (r: RouteDef) => takesDocument(r) || tfeDocumentRoutes().includes(r);
