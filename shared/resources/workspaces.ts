/** Workspaces: where jobs run (a git source, branch and folder), managed with manageWorkspace. */
import { Conflict, Invalid, NotFound, pointer } from '../domain/errors';
import * as v from 'valibot';
import type { ApiRequest, ApiResponse } from '../http/api-handler';
import { bool, checkAttributes, enumOf, nonEmptyString, optionalText, uuid } from '../http/attributes';
import { document, readResourceDocument, type ResourceObject } from '../http/jsonapi';
import { requireMember, requirePermission } from '../domain/permissions';
import { IAC_TYPES, type WorkspaceRecord } from '../domain/records';
import { indexes, keys } from '../store/keys';
import { deleteAll, queryAll, stripKeys } from '../store/table';
import { conditions, guard, put, remove, update, write } from '../store/writes';
import { deleteWorkspaceWebhooks } from '../webhooks/store';
import {
  AUDIT_ATTRIBUTES,
  auditAttributes,
  created,
  createdAudit,
  definedOnly,
  loadOrganization,
  loadWithOrganization,
  newId,
  noContent,
  ok,
  orgParam,
  selfLink,
  updatedAudit,
  uuidParam,
} from './common';
import { onWorkspaceUnlocked } from './workspace-events';
import { serviceMode } from '../wiring';

const TYPE = 'workspace';

const branchName = v.pipe(
  nonEmptyString(255, 'a branch name'),
  v.check((b) => /^[A-Za-z0-9._\/-]+$/.test(b) && !b.includes('..') && !b.startsWith('-') && !b.startsWith('/') && !b.endsWith('/'), 'must be a valid git branch name'),
);
const folder = v.pipe(
  v.string('must be a folder path'),
  v.maxLength(1024, 'must be at most 1024 characters'),
  v.check((f) => /^[A-Za-z0-9._\/ -]*$/.test(f) && !f.split('/').includes('..'), 'must be a folder inside the repository (no ..)'),
  v.transform((f) => `/${f.replace(/^\/+|\/+$/g, '')}`),
);
const terraformVersion = v.nullish(v.pipe(v.string('must be a version string'), v.regex(/^\d+\.\d+\.\d+(-[0-9A-Za-z.]+)?$/, 'must look like 1.11.4')));
// Terrakube clients send locked as "true"/"false" too.
const lockedFlag = v.union([bool(), v.pipe(v.picklist(['true', 'false'], 'must be true or false'), v.transform((s) => s === 'true'))], 'must be true or false');

const Create = v.object({
  name: v.pipe(nonEmptyString(256, 'a name'), v.regex(/^[A-Za-z0-9._ -]+$/, 'may contain letters, digits, spaces, dots, dashes and underscores')),
  description: optionalText(1024),
  source: nonEmptyString(2048, 'a git URL'),
  branch: v.optional(branchName, 'main'),
  folder: v.optional(folder, '/'),
  iacType: v.optional(enumOf(IAC_TYPES), 'terraform'),
  terraformVersion,
  locked: v.optional(lockedFlag, false),
  defaultTemplate: v.nullish(uuid('a template')),
});
const Update = v.partial(Create);
const rules = { readOnly: AUDIT_ATTRIBUTES };

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
    type: TYPE,
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

/** The workspace if it exists in this organization (else undefined: another org's id is "not found"). */
export const inOrganization = (w: WorkspaceRecord | undefined, orgId: string) => (w && w.organizationId === orgId ? w : undefined);
export const workspaceNotFound = (id: string) => new NotFound(`workspace ${id} does not exist`);

async function loadWorkspace(req: ApiRequest, extraKeys: ReturnType<typeof keys.template>[] = []) {
  const orgId = orgParam(req);
  const workspaceId = uuidParam(req, 'workspaceId', 'workspace');
  const { org, items } = await loadWithOrganization(orgId, [keys.workspace(workspaceId), ...extraKeys]);
  return { orgId, workspaceId, org, workspace: inOrganization(items[0] as WorkspaceRecord | undefined, orgId), extra: items.slice(1) };
}

export async function listWorkspaces(req: ApiRequest): Promise<ApiResponse> {
  const orgId = orgParam(req);
  requireMember(req.principal, await loadOrganization(orgId), orgId);
  const items = await queryAll({ index: 'gsi1', KeyConditionExpression: 'gsi1pk = :p', ExpressionAttributeValues: { ':p': `ORG#${orgId}#WS` } });
  return ok(document(items.map((i) => workspaceResource(req, stripKeys<WorkspaceRecord>(i))), { links: selfLink(req, `/organization/${orgId}/workspace`) }));
}

export async function getWorkspace(req: ApiRequest): Promise<ApiResponse> {
  const { orgId, workspaceId, org, workspace } = await loadWorkspace(req);
  requireMember(req.principal, org, orgId);
  if (!workspace) throw workspaceNotFound(workspaceId);
  return ok(document(workspaceResource(req, workspace)));
}

function requireTemplateFound(found: unknown, templateId: string): void {
  if (!found) throw new NotFound(`template ${templateId} does not exist in this organization`);
}

export async function createWorkspace(req: ApiRequest): Promise<ApiResponse> {
  const orgId = orgParam(req);
  const input = readResourceDocument(req.body, { type: TYPE });
  const attrs = checkAttributes(input.attributes, Create, rules);
  validateSource(attrs.source);
  const templateKeys = attrs.defaultTemplate ? [keys.template(orgId, attrs.defaultTemplate)] : [];
  const { org, items } = await loadWithOrganization(orgId, templateKeys);
  requirePermission(req.principal, org, orgId, 'manageWorkspace', 'managing workspaces');
  if (attrs.defaultTemplate) requireTemplateFound(items[0], attrs.defaultTemplate);
  const workspace: WorkspaceRecord = {
    id: newId(),
    organizationId: orgId,
    name: attrs.name,
    description: attrs.description ?? null,
    source: attrs.source,
    branch: attrs.branch,
    folder: attrs.folder,
    iacType: attrs.iacType,
    terraformVersion: attrs.terraformVersion ?? null,
    locked: attrs.locked,
    defaultTemplate: attrs.defaultTemplate ?? null,
    queue: [],
    queueVersion: 0,
    ...createdAudit(req.principal),
  };
  await write([
    put({ ...keys.workspace(workspace.id), ...indexes.workspace(orgId, workspace.name), ...workspace }, conditions.absent),
    guard(keys.workspaceName(orgId, workspace.name), workspace.id, `a workspace named '${workspace.name}'`),
  ]);
  return created(req, workspaceResource(req, workspace));
}

export async function updateWorkspace(req: ApiRequest): Promise<ApiResponse> {
  orgParam(req);
  const input = readResourceDocument(req.body, { type: TYPE, id: req.params.workspaceId });
  const attrs = definedOnly(checkAttributes(input.attributes, Update, rules));
  if (attrs.source !== undefined) validateSource(attrs.source);
  const templateKeys = attrs.defaultTemplate ? [keys.template(req.params.orgId?.toLowerCase() ?? '', attrs.defaultTemplate)] : [];
  const { orgId, workspaceId, org, workspace, extra } = await loadWorkspace(req, templateKeys);
  requirePermission(req.principal, org, orgId, 'manageWorkspace', 'managing workspaces');
  if (!workspace) throw workspaceNotFound(workspaceId);
  if (attrs.defaultTemplate) requireTemplateFound(extra[0], attrs.defaultTemplate);
  const renamed = attrs.name !== undefined && attrs.name.toLowerCase() !== workspace.name.toLowerCase();
  await write([
    update(
      keys.workspace(workspaceId),
      { ...attrs, ...(attrs.name !== undefined ? indexes.workspace(orgId, attrs.name) : {}), ...updatedAudit(req.principal) },
      { condition: { expression: 'attribute_exists(pk) AND #n = :old', names: { '#n': 'name' }, values: { ':old': workspace.name } } },
      () => new Conflict('the workspace changed while it was being updated; retry'),
    ),
    ...(renamed
      ? [remove(keys.workspaceName(orgId, workspace.name)), guard(keys.workspaceName(orgId, attrs.name as string), workspaceId, `a workspace named '${attrs.name}'`)]
      : []),
  ]);
  if (workspace.locked && attrs.locked === false) await onWorkspaceUnlocked(orgId, workspaceId);
  return noContent();
}

export async function deleteWorkspace(req: ApiRequest): Promise<ApiResponse> {
  const { orgId, workspaceId, org, workspace } = await loadWorkspace(req);
  requirePermission(req.principal, org, orgId, 'manageWorkspace', 'managing workspaces');
  if (!workspace) throw workspaceNotFound(workspaceId);
  const busy = () => new Conflict('the workspace has jobs that have not ended; cancel them first');
  if (workspace.activeJob !== undefined || (workspace.queue?.length ?? 0) > 0) throw busy();
  await write([
    remove(keys.workspace(workspaceId), {
      expression: 'attribute_exists(pk) AND attribute_not_exists(activeJob) AND (attribute_not_exists(#q) OR size(#q) = :zero)',
      names: { '#q': 'queue' },
      values: { ':zero': 0 },
    }, busy),
    remove(keys.workspaceName(orgId, workspace.name)),
  ]);
  // Its variables and their guards share the workspace partition.
  const rest = await queryAll({ KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': `WS#${workspaceId}` }, ProjectionExpression: 'pk, sk' });
  await deleteAll(rest.map((i) => ({ pk: String(i.pk), sk: String(i.sk) })));
  // Webhooks are keyed by their own id (the receiver knows nothing else), so they go separately.
  await deleteWorkspaceWebhooks(workspaceId);
  return noContent();
}
