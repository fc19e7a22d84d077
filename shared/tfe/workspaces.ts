/**
 * Workspaces in the TFE API: the same workspaces as the Jobs API's, read by name or by id, created by
 * `terraform init` when missing (a workspace with no source: its runs bring their configuration), and
 * locked around the CLI's local operations (`locked`, which also holds the workspace's job queue).
 */
import { Conflict, Invalid, attribute } from '../domain/errors';
import type { OrganizationRecord, VariableRecord, WorkspaceRecord } from '../domain/records';
import type { StateHeadRecord } from '../domain/versions';
import type { ApiRequest, ApiResponse } from '../http/api-handler';
import type { ResourceObject } from '../http/jsonapi';
import { created, createdAudit, newId, ok, updatedAudit } from '../resources/common';
import { startRun } from '../runs/start-run';
import { commit, ConditionFailed, readMany } from '../store/repositories/batch';
import { stateHeadRef } from '../store/repositories/state-versions';
import { listVariables } from '../store/repositories/variables';
import { changeQueue } from '../store/repositories/workspace-queue';
import { listWorkspaces, planCreateWorkspace, planSetWorkspaceLock, planUpdateWorkspace } from '../store/repositories/workspaces';
import { attr, isBool, isText, one, pageItems, pageOf, readTfeDocument, tfeDocument, tfeList, type TfeInput } from './documents';
import { runTfeId, workspaceTfeId } from './ids';
import { TFE_BASE } from './organizations';
import { requireTfe, tfeCan } from './permissions';
import { organizationByName, workspaceById, workspaceByName } from './scope';

const withHead = (ws: string) => ({ head: stateHeadRef(ws) });

export function workspaceResource(req: ApiRequest, org: OrganizationRecord, w: WorkspaceRecord, head: StateHeadRecord | undefined): ResourceObject {
  const can = (capability: Parameters<typeof tfeCan>[2]) => tfeCan(req.principal, org, capability);
  return {
    type: 'workspaces',
    id: workspaceTfeId(w.id),
    attributes: {
      name: w.name,
      description: w.description,
      'execution-mode': w.executionMode ?? 'remote',
      operations: (w.executionMode ?? 'remote') === 'remote',
      // "latest" passes every version check terraform makes; an exact version is the workspace's own.
      'terraform-version': w.terraformVersion ?? 'latest',
      locked: w.locked,
      'auto-apply': false,
      'allow-destroy-plan': true,
      'structured-run-output-enabled': false,
      'working-directory': w.folder.replace(/^\/+/, ''),
      // A workspace with a git source is VCS-driven: terraform then plans from the CLI but refuses CLI applies.
      'vcs-repo': w.source ? { identifier: w.source, branch: w.branch, 'repository-http-url': w.source, 'ingress-submodules': false } : null,
      'created-at': w.createdDate,
      'updated-at': w.updatedDate,
      'resource-count': 0,
      'tag-names': [],
      'setting-overwrites': { 'execution-mode': true, 'agent-pool': false },
      actions: { 'is-destroyable': can('updateWorkspace') },
      permissions: {
        'can-queue-run': can('queueRun'),
        'can-queue-apply': can('queueApply'),
        'can-queue-destroy': can('queueApply'),
        'can-update': can('updateWorkspace'),
        'can-destroy': can('updateWorkspace'),
        'can-lock': can('writeState'),
        'can-unlock': can('writeState'),
        'can-force-unlock': can('forceUnlock'),
        'can-read-settings': true,
        'can-update-variable': can('updateWorkspace'),
        'can-manage-run-tasks': false,
      },
    },
    relationships: {
      organization: one('organizations', org.name),
      'current-run': one('runs', w.activeJob !== undefined ? runTfeId(w.organizationId, w.activeJob) : null),
      'current-state-version': one('state-versions', head?.current?.id ?? null),
      'locked-by': one('users', null),
      project: one('projects', null),
    },
    links: { self: `${TFE_BASE}/workspaces/${workspaceTfeId(w.id)}`, 'self-html': `${TFE_BASE}/organizations/${encodeURIComponent(org.name)}/workspaces/${encodeURIComponent(w.name)}` },
  };
}

const NAME = /^[A-Za-z0-9_-]{1,90}$/;
const EXACT_VERSION = /^\d+\.\d+\.\d+(-[0-9A-Za-z.]+)?$/;

/** The settings TFE lets a workspace change that mean something here; other attributes are ignored, as TFE ignores unknown ones. */
function settings(input: TfeInput): Partial<WorkspaceRecord> {
  const out: Partial<WorkspaceRecord> = {};
  const name = attr(input, 'name', isText, 'a string', undefined as string | undefined);
  if (name !== undefined) {
    if (!NAME.test(name)) throw new Invalid('name may contain letters, digits, dashes and underscores (at most 90)', attribute('name'));
    out.name = name;
  }
  const description = input.attributes.description;
  if (description !== undefined) {
    if (description !== null && (typeof description !== 'string' || description.length > 1024)) throw new Invalid('description must be a string of at most 1024 characters', attribute('description'));
    out.description = description;
  }
  const version = attr(input, 'terraform-version', isText, 'a version', undefined as string | undefined);
  // An exact version is what the executor runs; "latest" or a constraint leaves the service's default.
  if (version !== undefined) out.terraformVersion = EXACT_VERSION.test(version) ? version : null;
  const mode = attr(input, 'execution-mode', isText, 'remote or local', undefined as string | undefined);
  if (mode !== undefined) {
    if (mode !== 'remote' && mode !== 'local') throw new Invalid("execution-mode must be 'remote' or 'local' (agents are not supported)", attribute('execution-mode'));
    out.executionMode = mode;
  }
  const operations = attr(input, 'operations', isBool, 'true or false', undefined as boolean | undefined);
  if (operations !== undefined && mode === undefined) out.executionMode = operations ? 'remote' : 'local';
  const dir = attr(input, 'working-directory', isText, 'a folder', undefined as string | undefined);
  if (dir !== undefined) {
    if (dir.split('/').includes('..') || !/^[A-Za-z0-9._/ -]*$/.test(dir)) throw new Invalid('working-directory must be a folder inside the configuration', attribute('working-directory'));
    out.folder = `/${dir.replace(/^\/+|\/+$/g, '')}`;
  }
  if (input.attributes['vcs-repo'] !== undefined && input.attributes['vcs-repo'] !== null) {
    throw new Invalid('VCS-driven workspaces are set up through the Jobs API (a workspace source); CLI-driven workspaces have no vcs-repo', attribute('vcs-repo'));
  }
  return out;
}

export async function getByName(req: ApiRequest): Promise<ApiResponse> {
  const { org, workspace, refs } = await workspaceByName(req.principal, req.params.organization ?? '', req.params.workspaceName ?? '', withHead);
  return ok(tfeDocument(workspaceResource(req, org, workspace, refs.head)));
}

export async function getById(req: ApiRequest): Promise<ApiResponse> {
  const { org, workspace, refs } = await workspaceById(req.principal, req.params.workspaceTfeId ?? '', withHead);
  return ok(tfeDocument(workspaceResource(req, org, workspace, refs.head)));
}

/** `terraform init` creates the workspace its cloud block names when there is none. */
export async function create(req: ApiRequest): Promise<ApiResponse> {
  const input = readTfeDocument(req.body, 'workspaces');
  const changes = settings(input);
  if (!changes.name) throw new Invalid('a workspace needs a name', attribute('name'));
  const org = await organizationByName(req.principal, req.params.organization ?? '');
  requireTfe(req.principal, org, 'createWorkspace', 'creating workspaces');
  const record: WorkspaceRecord = {
    id: newId(),
    organizationId: org.id,
    name: changes.name,
    description: changes.description ?? null,
    source: null,
    branch: 'main',
    folder: changes.folder ?? '/',
    iacType: 'terraform',
    terraformVersion: changes.terraformVersion ?? null,
    locked: false,
    defaultTemplate: null,
    ...(changes.executionMode ? { executionMode: changes.executionMode } : {}),
    queue: [],
    queueVersion: 0,
    ...createdAudit(req.principal),
  };
  await commit(planCreateWorkspace(record));
  return created(req, workspaceResource(req, org, record, undefined));
}

/** `terraform init` sets the new workspace's terraform version to its own. */
export async function update(req: ApiRequest): Promise<ApiResponse> {
  const input = readTfeDocument(req.body, 'workspaces');
  const changes = settings(input);
  const { org, workspace, refs } = await workspaceById(req.principal, req.params.workspaceTfeId ?? '', withHead);
  requireTfe(req.principal, org, 'updateWorkspace', 'changing workspace settings');
  const after = { ...workspace, ...changes, ...updatedAudit(req.principal) };
  if (Object.keys(changes).length > 0) await commit(planUpdateWorkspace(workspace, { ...changes, ...updatedAudit(req.principal) }));
  return ok(tfeDocument(workspaceResource(req, org, after, refs.head)));
}

export async function list(req: ApiRequest): Promise<ApiResponse> {
  const org = await organizationByName(req.principal, req.params.organization ?? '');
  const search = (req.query.get('search[name]') ?? '').toLowerCase();
  const all = (await listWorkspaces(org.id)).filter((w) => !search || w.name.toLowerCase().includes(search));
  const page = pageOf(req.query);
  const shown = pageItems(all, page);
  const heads = new Map((await readMany(shown.map((w) => stateHeadRef(w.id)))).map((h) => [h.workspaceId, h]));
  return ok(tfeList(shown.map((w) => workspaceResource(req, org, w, heads.get(w.id))), page, all.length));
}

/** Locks around a local operation; a running job holds its workspace (409, as a run's lock does in TFE). */
export async function lock(req: ApiRequest): Promise<ApiResponse> {
  readTfeDocument(req.body, '');
  const { org, workspace, refs } = await workspaceById(req.principal, req.params.workspaceTfeId ?? '', withHead);
  requireTfe(req.principal, org, 'writeState', 'locking the workspace');
  try {
    await commit([planSetWorkspaceLock(workspace, true, updatedAudit(req.principal))]);
  } catch (error) {
    if (!(error instanceof ConditionFailed)) throw error;
    throw new Conflict(workspace.activeJob !== undefined ? `the workspace is locked by Run ${runTfeId(workspace.organizationId, workspace.activeJob)}` : 'the workspace is already locked');
  }
  return ok(tfeDocument(workspaceResource(req, org, { ...workspace, locked: true }, refs.head)));
}

async function release(req: ApiRequest, capability: 'writeState' | 'forceUnlock'): Promise<ApiResponse> {
  const { org, workspace, refs } = await workspaceById(req.principal, req.params.workspaceTfeId ?? '', withHead);
  requireTfe(req.principal, org, capability, capability === 'forceUnlock' ? 'force-unlocking the workspace' : 'unlocking the workspace');
  try {
    await commit([planSetWorkspaceLock(workspace, false, updatedAudit(req.principal))]);
  } catch (error) {
    if (!(error instanceof ConditionFailed)) throw error;
    throw new Conflict('the workspace is already unlocked');
  }
  // As an unlock through the Jobs API: the oldest waiting job starts now.
  const next = await changeQueue(workspace.id);
  if (next !== undefined) await startRun({ organizationId: workspace.organizationId, jobId: next });
  return ok(tfeDocument(workspaceResource(req, org, { ...workspace, locked: false }, refs.head)));
}

export const unlock = (req: ApiRequest) => release(req, 'writeState');
export const forceUnlock = (req: ApiRequest) => release(req, 'forceUnlock');

function variableResource(v: VariableRecord): ResourceObject {
  return {
    type: 'vars',
    id: `var-${v.id}`,
    attributes: {
      key: v.key,
      value: v.sensitive ? null : v.value,
      category: v.category === 'ENV' ? 'env' : 'terraform',
      hcl: v.hcl,
      sensitive: v.sensitive,
      description: v.description,
      'version-id': v.updatedDate,
    },
    relationships: { configurable: one('workspaces', workspaceTfeId(v.workspaceId)) },
  };
}

/** The workspace's variables (the Jobs API's); sensitive values are never shown. */
export async function variables(req: ApiRequest): Promise<ApiResponse> {
  const { workspace } = await workspaceById(req.principal, req.params.workspaceTfeId ?? '');
  const vars = (await listVariables(workspace.id)).sort((a, b) => a.key.localeCompare(b.key));
  return ok(tfeList(vars.map(variableResource)));
}
