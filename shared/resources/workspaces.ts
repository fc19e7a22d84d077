/**
 * Workspaces: where jobs run (a git source, branch and folder; no source for a workspace the terraform
 * CLI drives), managed with manageWorkspace.
 */
import * as v from 'valibot';
import { Invalid, NotFound, parameter, pointer } from '../domain/errors';
import { IAC_TYPES, type WorkspaceRecord } from '../domain/records';
import type { ApiRequest, ApiResponse } from '../http/api-handler';
import { bool, enumOf, nonEmptyString, optionalText, uuid } from '../http/attributes';
import { document, toMany, type Document, type ResourceObject } from '../http/jsonapi';
import { startRun } from '../runs/start-run';
import { readScope } from '../store/repositories/scope';
import { templateRef } from '../store/repositories/templates';
import { removeWorkspaceWebhooks } from '../store/repositories/webhooks';
import { changeQueue } from '../store/repositories/workspace-queue';
import {
  listWorkspaces,
  planCreateWorkspace,
  planDeleteWorkspace,
  planUpdateWorkspace,
  removeWorkspacePartition,
  workspaceBusy,
  workspaceRef,
} from '../store/repositories/workspaces';
import { serviceMode } from '../wiring';
import { AUDIT_ATTRIBUTES, auditAttributes, newId, ok, selfLink } from './common';
import { historyResources } from './history';
import { resource } from './crud';

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
const terraformVersion = v.nullish(v.pipe(v.string('must be a version string'), v.regex(/^\d+\.\d+\.\d+(-[0-9A-Za-z.]+)?$/, 'must look like 1.11.4')));
// Terrakube clients send locked as "true"/"false" too.
const lockedFlag = v.union(
  [
    bool(),
    v.pipe(
      v.picklist(['true', 'false'], 'must be true or false'),
      v.transform((s) => s === 'true'),
    ),
  ],
  'must be true or false',
);

const Create = v.object({
  name: v.pipe(nonEmptyString(256, 'a name'), v.regex(/^[A-Za-z0-9._ -]+$/, 'may contain letters, digits, spaces, dots, dashes and underscores')),
  description: optionalText(1024),
  // Absent for a workspace driven by the terraform CLI, whose runs bring their configuration.
  source: v.nullish(nonEmptyString(2048, 'a git URL')),
  branch: v.optional(branchName, 'main'),
  folder: v.optional(folder, '/'),
  iacType: v.optional(enumOf(IAC_TYPES), 'terraform'),
  terraformVersion,
  locked: v.optional(lockedFlag, false),
  defaultTemplate: v.nullish(uuid('a template')),
});
const Update = v.partial(Create);

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

export function workspaceResource(req: ApiRequest, w: WorkspaceRecord): ResourceObject {
  return {
    type: 'workspace',
    id: w.id,
    attributes: {
      name: w.name,
      description: w.description,
      source: w.source,
      branch: w.branch,
      folder: w.folder,
      iacType: w.iacType,
      terraformVersion: w.terraformVersion,
      locked: w.locked,
      defaultTemplate: w.defaultTemplate,
      ...auditAttributes(w),
    },
    relationships: { organization: { data: { type: 'organization', id: w.organizationId } } },
    links: selfLink(req, `/organization/${w.organizationId}/workspace/${w.id}`),
  };
}

/** Unlocking a workspace starts its oldest waiting job at once (contract §4.1), by the queue write every hand-over uses. */
async function onUnlocked(w: WorkspaceRecord): Promise<void> {
  const start = await changeQueue(w.id);
  if (start !== undefined) await startRun({ organizationId: w.organizationId, jobId: start });
}

const workspaces = /* @__PURE__ */ resource({
  type: 'workspace',
  noun: 'workspace',
  parents: [],
  idParam: 'workspaceId',
  rules: { readOnly: AUDIT_ATTRIBUTES },
  access: { write: 'manageWorkspace', action: 'managing workspaces' },
  repository: {
    load: (ids, id, refs) => readScope({ orgId: ids.orgId as string }, id ? workspaceRef(id) : undefined, refs, (w) => w.organizationId === ids.orgId),
    list: (scope) => listWorkspaces(scope.ids.orgId as string),
    create: planCreateWorkspace,
    update: (before, _after, changes) => planUpdateWorkspace(before, changes),
    remove: planDeleteWorkspace,
  },
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
const plainGet = /* @__PURE__ */ workspaces.get();

/**
 * GET with `include=history` (the workspace's state versions). Other includes arrive with the generic
 * include mechanism; `historyResources` is what it calls for this one.
 */
export async function get(req: ApiRequest): Promise<ApiResponse> {
  const include = req.query.get('include');
  const parts = include === undefined ? [] : include.split(',').map((p) => p.trim()).filter(Boolean);
  for (const part of parts) if (part !== 'history') throw new Invalid(`include '${part}' is not supported here (supported: history)`, parameter('include'));
  const answer = await plainGet(req);
  if (!parts.length) return answer;
  const resource = (answer.body as Document).data as ResourceObject;
  const history = await historyResources(req, { id: resource.id, organizationId: String((resource.relationships?.organization as { data: { id: string } }).data.id) });
  return ok(document({ ...resource, relationships: { ...resource.relationships, history: toMany('history', history.map((h) => h.id)) } }, { included: history }));
}
export const create = /* @__PURE__ */ workspaces.create({
  schema: Create,
  validate,
  references,
  check,
  build: (scope, attrs, audit) => ({
    id: newId(),
    organizationId: scope.ids.orgId as string,
    name: attrs.name,
    description: attrs.description ?? null,
    source: attrs.source ?? null,
    branch: attrs.branch,
    folder: attrs.folder,
    iacType: attrs.iacType,
    terraformVersion: attrs.terraformVersion ?? null,
    locked: attrs.locked,
    defaultTemplate: attrs.defaultTemplate ?? null,
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
  after: async (before, after) => {
    if (before.locked && !after.locked) await onUnlocked(after);
  },
});
export const remove = /* @__PURE__ */ workspaces.remove({
  // No job may hold or wait for the workspace (the delete's condition checks it again).
  check: (_scope, w) => {
    if (w.activeJob !== undefined || (w.queue?.length ?? 0) > 0) throw workspaceBusy();
  },
  after: async (w) => {
    // Its variables and their guards share the workspace partition; webhooks are keyed by their own id.
    await removeWorkspacePartition(w.id);
    await removeWorkspaceWebhooks(w.id);
  },
});
