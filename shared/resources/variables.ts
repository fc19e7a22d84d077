/**
 * Workspace variables: TERRAFORM ones become TF_VAR_<key>, ENV ones environment variables. A sensitive
 * value is write-only: no response (not even the create response) and no log line ever carries it.
 */
import { Conflict, Invalid, NotFound, pointer } from '../domain/errors';
import * as v from 'valibot';
import type { ApiRequest, ApiResponse } from '../http/api-handler';
import { bool, checkAttributes, enumOf, optionalText } from '../http/attributes';
import { document, readResourceDocument, type ResourceObject } from '../http/jsonapi';
import { requireMember, requirePermission } from '../domain/permissions';
import { VARIABLE_CATEGORIES, type VariableRecord, type WorkspaceRecord } from '../domain/records';
import { keys, prefixes } from '../store/keys';
import { queryAll, stripKeys } from '../store/table';
import { check, conditions, guard, put, remove, update, write } from '../store/writes';
import {
  AUDIT_ATTRIBUTES,
  auditAttributes,
  created,
  createdAudit,
  definedOnly,
  loadWithOrganization,
  newId,
  noContent,
  ok,
  orgParam,
  selfLink,
  updatedAudit,
  uuidParam,
} from './common';
import { inOrganization, workspaceNotFound } from './workspaces';

const TYPE = 'variable';
const variableKey = v.pipe(
  v.string('must be a string'),
  v.regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'must start with a letter or underscore and contain only letters, digits and underscores (max 128)'),
);
const Create = v.object({
  key: variableKey,
  value: v.pipe(v.string('must be a string'), v.maxLength(65_536, 'must be at most 65536 characters')),
  category: v.optional(enumOf(VARIABLE_CATEGORIES), 'TERRAFORM'),
  sensitive: v.optional(bool(), false),
  hcl: v.optional(bool(), false),
  description: optionalText(1024),
});
const Update = v.partial(Create);
const rules = { readOnly: AUDIT_ATTRIBUTES };

function variableResource(req: ApiRequest, x: VariableRecord): ResourceObject {
  return {
    type: TYPE,
    id: x.id,
    attributes: {
      key: x.key,
      value: x.sensitive ? null : x.value,
      category: x.category,
      sensitive: x.sensitive,
      hcl: x.hcl,
      description: x.description,
      ...auditAttributes(x),
    },
    relationships: { workspace: { data: { type: 'workspace', id: x.workspaceId } } },
    links: selfLink(req, `/organization/${x.organizationId}/workspace/${x.workspaceId}/variable/${x.id}`),
  };
}

async function load(req: ApiRequest, withVariable: boolean) {
  const orgId = orgParam(req);
  const workspaceId = uuidParam(req, 'workspaceId', 'workspace');
  const variableId = withVariable ? uuidParam(req, 'variableId', 'variable') : '';
  const { org, items } = await loadWithOrganization(orgId, [
    keys.workspace(workspaceId),
    ...(withVariable ? [keys.variable(workspaceId, variableId)] : []),
  ]);
  const workspace = inOrganization(items[0] as WorkspaceRecord | undefined, orgId);
  return { orgId, workspaceId, variableId, org, workspace, variable: workspace ? (items[1] as VariableRecord | undefined) : undefined };
}

const keyGuard = (x: Pick<VariableRecord, 'workspaceId' | 'category' | 'key'>) => guard(
  keys.variableKey(x.workspaceId, x.category, x.key),
  `${x.category}#${x.key}`,
  `a ${x.category} variable named '${x.key}'`,
);

export async function listVariables(req: ApiRequest): Promise<ApiResponse> {
  const { orgId, workspaceId, org, workspace } = await load(req, false);
  requireMember(req.principal, org, orgId);
  if (!workspace) throw workspaceNotFound(workspaceId);
  const items = await queryAll({
    KeyConditionExpression: 'pk = :p AND begins_with(sk, :s)',
    ExpressionAttributeValues: { ':p': `WS#${workspaceId}`, ':s': prefixes.variable },
  });
  const variables = items.map((i) => stripKeys<VariableRecord>(i)).sort((a, b) => a.key.localeCompare(b.key));
  return ok(document(variables.map((x) => variableResource(req, x)), {
    links: selfLink(req, `/organization/${orgId}/workspace/${workspaceId}/variable`),
  }));
}

export async function getVariable(req: ApiRequest): Promise<ApiResponse> {
  const { orgId, workspaceId, variableId, org, workspace, variable } = await load(req, true);
  requireMember(req.principal, org, orgId);
  if (!workspace) throw workspaceNotFound(workspaceId);
  if (!variable) throw new NotFound(`variable ${variableId} does not exist`);
  return ok(document(variableResource(req, variable)));
}

export async function createVariable(req: ApiRequest): Promise<ApiResponse> {
  orgParam(req);
  const input = readResourceDocument(req.body, { type: TYPE });
  const attrs = checkAttributes(input.attributes, Create, rules);
  const { orgId, workspaceId, org, workspace } = await load(req, false);
  requirePermission(req.principal, org, orgId, 'manageWorkspace', 'managing variables');
  if (!workspace) throw workspaceNotFound(workspaceId);
  const variable: VariableRecord = {
    id: newId(),
    organizationId: orgId,
    workspaceId,
    ...attrs,
    description: attrs.description ?? null,
    ...createdAudit(req.principal),
  };
  await write([
    put({ ...keys.variable(workspaceId, variable.id), ...variable }, conditions.absent),
    keyGuard(variable),
    check(keys.workspace(workspaceId), conditions.exists, () => workspaceNotFound(workspaceId)),
  ]);
  return created(req, variableResource(req, variable));
}

export async function updateVariable(req: ApiRequest): Promise<ApiResponse> {
  orgParam(req);
  const input = readResourceDocument(req.body, { type: TYPE, id: req.params.variableId });
  const attrs = definedOnly(checkAttributes(input.attributes, Update, rules));
  const { orgId, workspaceId, variableId, org, workspace, variable } = await load(req, true);
  requirePermission(req.principal, org, orgId, 'manageWorkspace', 'managing variables');
  if (!workspace) throw workspaceNotFound(workspaceId);
  if (!variable) throw new NotFound(`variable ${variableId} does not exist`);
  if (variable.sensitive && attrs.sensitive === false) {
    throw new Invalid('a sensitive variable cannot be made non-sensitive; delete it and create it again', pointer('/data/attributes/sensitive'));
  }
  const next = { ...variable, ...attrs };
  const moved = next.key !== variable.key || next.category !== variable.category;
  await write([
    update(
      keys.variable(workspaceId, variableId),
      { ...attrs, ...updatedAudit(req.principal) },
      {
        condition: {
          expression: 'attribute_exists(pk) AND #k = :k AND category = :c',
          names: { '#k': 'key' },
          values: { ':k': variable.key, ':c': variable.category },
        },
      },
      () => new Conflict('the variable changed while it was being updated; retry'),
    ),
    ...(moved ? [remove(keys.variableKey(workspaceId, variable.category, variable.key)), keyGuard(next)] : []),
  ]);
  return noContent();
}

export async function deleteVariable(req: ApiRequest): Promise<ApiResponse> {
  const { orgId, workspaceId, variableId, org, workspace, variable } = await load(req, true);
  requirePermission(req.principal, org, orgId, 'manageWorkspace', 'managing variables');
  if (!workspace) throw workspaceNotFound(workspaceId);
  if (!variable) throw new NotFound(`variable ${variableId} does not exist`);
  await write([
    remove(keys.variable(workspaceId, variableId), conditions.exists, () => new NotFound(`variable ${variableId} does not exist`)),
    remove(keys.variableKey(workspaceId, variable.category, variable.key)),
  ]);
  return noContent();
}
