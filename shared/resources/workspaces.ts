/**
 * Workspaces: where jobs run (a git source, branch and folder; no source for a workspace the terraform
 * CLI drives), managed with manageWorkspace. Locking
 * holds jobs back (with a lockDescription); PATCH `deleted: true` soft-deletes (Terrakube's delete: gone
 * from lists and paths, its name free again, its jobs kept and readable by id). lastJobStatus and
 * lastJobDate are the server's, written by every job change in the transaction that makes it (a run's
 * first dispatch: right after the job's write, unless a newer change is there).
 */
import * as v from 'valibot';
import { Invalid, NotFound, pointer } from '../domain/errors';
import { EXECUTION_MODES, IAC_TYPES, WORKSPACE_LINKS, type OrganizationRecord, type WorkspaceRecord } from '../domain/records';
import type { ApiRequest } from '../http/api-handler';
import { bool, emptyIsNull, enumOf, nonEmptyString, optionalText, uuid } from '../http/attributes';
import { toMany, toOne, type Relationship, type ResourceObject } from '../http/jsonapi';
import { AuditAttributes, resourceSchema, timestamp, toOne as toOneSchema } from '../http/resource-schema';
import { startRun } from '../runs/start-run';
import { newestJobsOfWorkspace } from '../store/repositories/jobs';
import { readScope } from '../store/repositories/scope';
import { templateRef } from '../store/repositories/templates';
import { listVariables } from '../store/repositories/variables';
import { removeWorkspaceWebhooks, webhookRef } from '../store/repositories/webhooks';
import { changeQueue } from '../store/repositories/workspace-queue';
import {
  planCreateWorkspace,
  planDeleteWorkspace,
  planUpdateWorkspace,
  removeWorkspacePartition,
  workspaceBusy,
  workspaceCollection,
  workspaceIdByNameRef,
  workspaceRef,
} from '../store/repositories/workspaces';
import { read } from '../store/table';
import { serviceMode } from '../wiring';
import { AUDIT_ATTRIBUTES, auditAttributes, emptyLinkage, newId, organizationLinkage, relatedLink, selfLink, updatedAudit } from './common';
import { resource, type Incoming } from './crud';
import { historyResources } from './history';
import type { Inclusion } from './crud-read';
import { jobResource } from './job-documents';
import { organizationResource } from './organizations';
import { variableResource } from './variables';
import { webhookResource } from './webhooks';
import { sourceUrl } from '../domain/source-url';
import { disableWorkspaceSchedules, removeWorkspaceSchedules, scheduleLinkage, workspaceSchedules } from './schedules';

/** Jobs include=job returns, newest first (Elide never pages includes; the UI's run list reads them all). */
const INCLUDED_JOBS = 500;

const branchName = v.pipe(
  nonEmptyString(255, 'a branch name'),
  v.check(
    (b) => /^[A-Za-z0-9._/-]+$/.test(b) && !b.includes('..') && !b.startsWith('-') && !b.startsWith('/') && !b.endsWith('/'),
    'must be a valid git branch name',
  ),
);
const folder = v.pipe(
  v.string('must be a folder path'),
  v.maxLength(1024, 'must be at most 1024 characters'),
  v.check((f) => /^[A-Za-z0-9._/ -]*$/.test(f) && !f.split('/').includes('..'), 'must be a folder inside the repository (no ..)'),
  v.transform((f) => `/${f.replace(/^\/+|\/+$/g, '')}`),
);
const terraformVersion = emptyIsNull(v.pipe(v.string('must be a version string'), v.regex(/^\d+\.\d+\.\d+(-[0-9A-Za-z.]+)?$/, 'must look like 1.11.4')));

/** Terrakube's to-many workspace relationships; job, variable, schedule and history (state versions, with include=history) are kept, the rest are empty here. */
const TO_MANY = ['variable', 'history', 'schedule', 'job', 'workspaceTag', 'notificationConfiguration', 'reference', 'access'] as const;
const UNKEPT_TO_MANY = ['workspaceTag', 'notificationConfiguration', 'reference', 'access'] as const;
/** Every name include accepts (Terrakube's relationships of a workspace). */
const INCLUDES = ['organization', 'job', 'variable', 'webhook', 'schedule', 'history', ...WORKSPACE_LINKS, ...UNKEPT_TO_MANY] as const;

/**
 * Terrakube's workspace attributes. Without behaviour here, stored and returned as given:
 * allowRemoteApply, globalRemoteState, sharedIds, moduleSshKey, executionMode (issue 15 gives it one).
 * Go clients send "" for strings they have no value for: for a branch, a version, a template id or
 * an execution mode that means none (the default).
 */
export const Create = v.object({
  name: v.pipe(nonEmptyString(256, 'a name'), v.regex(/^[A-Za-z0-9._ -]+$/, 'may contain letters, digits, spaces, dots, dashes and underscores')),
  description: optionalText(1024),
  // Absent for a workspace driven by the terraform CLI, whose runs bring their configuration.
  source: v.nullish(v.pipe(nonEmptyString(2048, 'a git URL'), v.transform(sourceUrl))),
  branch: emptyIsNull(branchName),
  folder: v.optional(folder, '/'),
  iacType: emptyIsNull(enumOf(IAC_TYPES)),
  terraformVersion,
  locked: v.optional(bool(), false),
  lockDescription: optionalText(1024),
  defaultTemplate: emptyIsNull(uuid('a template')),
  executionMode: emptyIsNull(enumOf(EXECUTION_MODES)),
  allowRemoteApply: v.optional(bool(), false),
  globalRemoteState: v.optional(bool(), true),
  sharedIds: optionalText(4096),
  moduleSshKey: optionalText(1024),
  deleted: v.optional(v.pipe(bool(), v.literal(false, 'a new workspace cannot be deleted'))),
});
export const Update = v.object({ ...v.partial(Create).entries, deleted: v.optional(bool()) });

/** Linkage a workspace document may set (stored as given), and the relationships that are the server's. */
const RELATIONSHIPS = {
  ...Object.fromEntries(WORKSPACE_LINKS.map((name) => [name, name])),
  organization: { type: 'organization', readOnly: true },
  webhook: { type: 'webhook', readOnly: true },
  ...Object.fromEntries(TO_MANY.map((name) => [name, { type: name === 'history' ? 'history' : name, many: true, readOnly: true }])),
};

const REMOTE_SOURCE = /^(https?:\/\/|ssh:\/\/|git:\/\/)[^\s]+$|^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^\s]+$/;
const LOCAL_SOURCE = /^(file:\/\/\/|\/)[^\s]*$/;

/** Git URLs everywhere; file:// URLs and absolute paths only when served locally. */
export function validateSource(source: string): void {
  const local = serviceMode() === 'local';
  if (REMOTE_SOURCE.test(source) || (local && LOCAL_SOURCE.test(source))) return;
  throw new Invalid(
    local ? 'source must be a git URL, a file:// URL or an absolute path' : 'source must be a git URL (https://, ssh://, git:// or user@host:path)',
    pointer('/data/attributes/source'),
  );
}

const ids = (set: Set<string> | undefined) => [...(set ?? [])].sort();

export const WorkspaceResource = resourceSchema(
  'workspace',
  {
    name: v.string(),
    description: v.nullable(v.string()),
    /** null for a workspace the terraform CLI created (its configuration is uploaded per run). */
    source: v.nullable(v.string()),
    branch: v.string(),
    folder: v.string(),
    iacType: v.picklist(IAC_TYPES),
    terraformVersion: v.nullable(v.string()),
    locked: v.boolean(),
    lockDescription: v.nullable(v.string()),
    defaultTemplate: v.nullable(v.string()),
    executionMode: v.nullable(v.string()),
    allowRemoteApply: v.boolean(),
    globalRemoteState: v.boolean(),
    sharedIds: v.nullable(v.string()),
    moduleSshKey: v.nullable(v.string()),
    deleted: v.boolean(),
    /** The newest job's status, NeverExecuted before the first. */
    lastJobStatus: v.string(),
    lastJobDate: v.nullable(timestamp()),
    ...AuditAttributes,
  },
  { organization: toOneSchema('organization') },
);

export function workspaceAttributes(w: WorkspaceRecord): v.InferOutput<typeof WorkspaceResource>['attributes'] {
  return {
    name: w.name,
    description: w.description,
    source: w.source,
    branch: w.branch,
    folder: w.folder,
    iacType: w.iacType,
    terraformVersion: w.terraformVersion,
    locked: w.locked,
    lockDescription: w.lockDescription ?? null,
    defaultTemplate: w.defaultTemplate,
    executionMode: w.executionMode ?? null,
    allowRemoteApply: w.allowRemoteApply ?? false,
    globalRemoteState: w.globalRemoteState ?? true,
    sharedIds: w.sharedIds ?? null,
    moduleSshKey: w.moduleSshKey ?? null,
    deleted: w.deleted ?? false,
    lastJobStatus: w.lastJobStatus ?? 'NeverExecuted',
    lastJobDate: w.lastJobDate ?? null,
    ...auditAttributes(w),
  };
}

/**
 * Every relationship of Terrakube's workspace has linkage: the organization, the stored vcs/ssh/agent/
 * project, its webhook (Terrakube has one; of several, the first id) and variables (their ids are on the
 * item). Jobs are many: they come with include=job (the newest 500), else as a related link.
 */
export function workspaceResource(req: ApiRequest, w: WorkspaceRecord): v.InferOutput<typeof WorkspaceResource> {
  const webhook = ids(w.webhookIds)[0];
  return {
    type: 'workspace',
    id: w.id,
    attributes: workspaceAttributes(w),
    relationships: {
      organization: organizationLinkage(w.organizationId),
      ...Object.fromEntries(WORKSPACE_LINKS.map((name) => [name, toOne(name, w.links?.[name])])),
      webhook: toOne('webhook', webhook),
      variable: toMany('variable', ids(w.variableIds)),
      job: relatedLink(req, `/workspace/${w.id}/job`),
      schedule: scheduleLinkage(w),
      // The state versions (history) are read only for include=history, which replaces this linkage.
      ...emptyLinkage([], ['history', ...UNKEPT_TO_MANY]),
    },
    links: selfLink(req, `/organization/${w.organizationId}/workspace/${w.id}`),
  };
}

/** What include= reads for a workspace: each kept relationship asked for in one request, side by side. */
export async function workspaceInclusion(req: ApiRequest, w: WorkspaceRecord, organization: OrganizationRecord | undefined, wanted: ReadonlySet<string>): Promise<Inclusion> {
  const webhookId = ids(w.webhookIds)[0];
  const [jobs, variables, webhook, schedules, history] = await Promise.all([
    wanted.has('job') ? newestJobsOfWorkspace(w.id, INCLUDED_JOBS) : undefined,
    wanted.has('variable') ? listVariables(w.id) : undefined,
    wanted.has('webhook') && webhookId ? read(webhookRef(webhookId)) : undefined,
    wanted.has('schedule') ? workspaceSchedules(req, w) : undefined,
    wanted.has('history') ? historyResources(req, w) : undefined,
  ]);
  const relationships: Record<string, Relationship> = {};
  const included: ResourceObject[] = [];
  const add = (name: string, resources: ResourceObject[], one = false) => {
    relationships[name] = one ? { data: resources[0] ? { type: resources[0].type, id: resources[0].id } : null } : { data: resources.map((r) => ({ type: r.type, id: r.id })) };
    included.push(...resources);
  };
  if (jobs) add('job', jobs.map((j) => jobResource(req, j)));
  if (variables) add('variable', variables.map((x) => variableResource(req, x)));
  if (wanted.has('webhook')) add('webhook', webhook ? [webhookResource(req, webhook)] : [], true);
  if (schedules) add('schedule', schedules);
  if (history) add('history', history);
  if (wanted.has('organization') && organization) included.push(organizationResource(req, organization));
  return { relationships, included };
}

/** Unlocking a workspace starts its oldest waiting job at once (contract §4.1), by the queue write every hand-over uses. */
async function onUnlocked(w: WorkspaceRecord): Promise<void> {
  const start = await changeQueue(w.id);
  if (start !== undefined) await startRun({ organizationId: w.organizationId, jobId: start });
}

/** Attributes the server sets (declared apart: a spread inside resource()'s argument would keep the whole resource in every bundle). */
const READ_ONLY = ['lastJobStatus', 'lastJobDate', ...AUDIT_ATTRIBUTES];

const workspaces = /* @__PURE__ */ resource({
  type: 'workspace',
  noun: 'workspace',
  parents: [],
  idParam: 'workspaceId',
  rules: { readOnly: READ_ONLY },
  relationships: RELATIONSHIPS,
  access: { write: 'manageWorkspace', action: 'managing workspaces' },
  repository: {
    // A soft-deleted workspace is gone for every path (its item stays for its jobs' record).
    load: (ids, id, refs) => readScope({ orgId: ids.orgId as string }, id ? workspaceRef(id) : undefined, refs, (w) => w.organizationId === ids.orgId && !w.deleted),
    collection: (scope) => workspaceCollection(scope.ids.orgId as string),
    byName: { field: 'name', ref: (ids, name) => workspaceIdByNameRef(ids.orgId as string, name), item: (_ids, id) => workspaceRef(id) },
    readable: (scope, w) => w.organizationId === scope.ids.orgId && !w.deleted,
    create: planCreateWorkspace,
    update: (before, _after, changes) => planUpdateWorkspace(before, changes),
    remove: planDeleteWorkspace,
  },
  filterable: {
    name: 'string',
    description: 'string',
    source: 'string',
    branch: 'string',
    folder: 'string',
    iacType: 'string',
    terraformVersion: 'string',
    locked: 'boolean',
    executionMode: 'string',
    lastJobStatus: 'string',
    defaultTemplate: 'string',
  },
  include: { names: INCLUDES, load: (req, scope, w, wanted) => workspaceInclusion(req, w, scope.organization, wanted) },
  render: workspaceResource,
  collectionPath: (ids) => `/organization/${ids.orgId}/workspace`,
});

// A source is checked without any read; a default template must be one of the organization's, read with the scope.
// (Hooks are passed one by one, never spread: a spread argument would keep every route's hooks in every bundle.)
const validate = (attrs: { source?: string | null }) => {
  if (typeof attrs.source === 'string') validateSource(attrs.source);
};
const references = (ids: Record<string, string>, attrs: { defaultTemplate?: string | null }) => ({
  template: attrs.defaultTemplate ? templateRef(ids.orgId as string, attrs.defaultTemplate) : undefined,
});
const check = (scope: { refs: Record<string, unknown> }, attrs: { defaultTemplate?: string | null }) => {
  if (attrs.defaultTemplate && !scope.refs.template) throw new NotFound(`template ${attrs.defaultTemplate} does not exist in this organization`);
};

export const list = /* @__PURE__ */ workspaces.list();
export const get = /* @__PURE__ */ workspaces.get();
/** The vcs/ssh/agent/project linkage a document sets (ids stored as given). */
function linksFrom(incoming: Incoming, before: WorkspaceRecord['links'] = {}): WorkspaceRecord['links'] | undefined {
  const sent = WORKSPACE_LINKS.filter((name) => name in incoming.relationships);
  if (sent.length === 0) return undefined;
  const links = { ...before };
  for (const name of sent) {
    const linkage = incoming.relationships[name];
    links[name] = linkage && !Array.isArray(linkage) ? linkage.id : null;
  }
  return links;
}

export const create = /* @__PURE__ */ workspaces.create({
  schema: Create,
  validate,
  references,
  check,
  build: (scope, attrs, audit, incoming) => ({
    id: newId(),
    organizationId: scope.ids.orgId as string,
    name: attrs.name,
    description: attrs.description ?? null,
    source: attrs.source ?? null,
    branch: attrs.branch ?? 'main',
    folder: attrs.folder,
    iacType: attrs.iacType ?? 'terraform',
    terraformVersion: attrs.terraformVersion ?? null,
    locked: attrs.locked,
    lockDescription: attrs.lockDescription ?? null,
    defaultTemplate: attrs.defaultTemplate ?? null,
    executionMode: attrs.executionMode ?? null,
    allowRemoteApply: attrs.allowRemoteApply,
    globalRemoteState: attrs.globalRemoteState,
    sharedIds: attrs.sharedIds ?? null,
    moduleSshKey: attrs.moduleSshKey ?? null,
    links: linksFrom(incoming) ?? {},
    lastJobStatus: 'NeverExecuted',
    lastJobDate: null,
    queue: [],
    queueVersion: 0,
    ...audit,
  }),
});
export const update = /* @__PURE__ */ workspaces.update({
  schema: Update,
  validate,
  references,
  check,
  changes: async (scope, before, attrs, incoming) => {
    // "" or null for a branch or an IaC type keeps what the workspace has (Go clients send "" for unset).
    const { branch, iacType, ...rest } = attrs;
    const links = linksFrom(incoming, before.links);
    return {
      record: {
        ...rest,
        ...(branch ? { branch } : {}),
        ...(iacType ? { iacType } : {}),
        ...(links ? { links } : {}),
        ...updatedAudit(scope.principal),
      } as Partial<WorkspaceRecord>,
    };
  },
  after: async (before, after) => {
    if (after.deleted && !before.deleted) await disableWorkspaceSchedules(after);
    else if (before.locked && !after.locked) await onUnlocked(after);
  },
});
export const remove = /* @__PURE__ */ workspaces.remove({
  // No job may hold or wait for the workspace (the delete's condition checks it again).
  check: (_scope, w) => {
    if (w.activeJob !== undefined || (w.queue?.length ?? 0) > 0) throw workspaceBusy();
  },
  after: async (w) => {
    // Its variables and their guards share the workspace partition; webhooks and schedules are keyed by their own id.
    await removeWorkspacePartition(w.id);
    await removeWorkspaceWebhooks(w.id);
    await removeWorkspaceSchedules(w.id);
  },
});
