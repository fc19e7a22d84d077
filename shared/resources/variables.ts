/**
 * Workspace variables: TERRAFORM ones become TF_VAR_<key>, ENV ones environment variables. A sensitive
 * value is write-only: no response (not even the create response) and no log line ever carries it.
 */
import * as v from 'valibot';
import { Invalid, pointer } from '../domain/errors';
import { VARIABLE_CATEGORIES, type VariableRecord } from '../domain/records';
import type { ApiRequest } from '../http/api-handler';
import { bool, enumOf, optionalText } from '../http/attributes';
import { AuditAttributes, resourceSchema, toOne } from '../http/resource-schema';
import { readScope } from '../store/repositories/scope';
import { planCreateVariable, planDeleteVariable, planUpdateVariable, variableCollection, variableRef } from '../store/repositories/variables';
import { AUDIT_ATTRIBUTES, auditAttributes, newId, selfLink } from './common';
import { resource } from './crud';

const variableKey = v.pipe(
  v.string('must be a string'),
  v.regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'must start with a letter or underscore and contain only letters, digits and underscores (max 128)'),
);
export const Create = v.object({
  key: variableKey,
  value: v.pipe(v.string('must be a string'), v.maxLength(65_536, 'must be at most 65536 characters')),
  category: v.optional(enumOf(VARIABLE_CATEGORIES), 'TERRAFORM'),
  sensitive: v.optional(bool(), false),
  hcl: v.optional(bool(), false),
  description: optionalText(1024),
});
export const Update = v.partial(Create);

export const VariableResource = resourceSchema(
  'variable',
  {
    key: v.string(),
    /** null for a sensitive variable: its value is write-only. */
    value: v.nullable(v.string()),
    category: v.picklist(VARIABLE_CATEGORIES),
    sensitive: v.boolean(),
    hcl: v.boolean(),
    description: v.nullable(v.string()),
    /** Terrakube's: a sensitive variable saved without a value (server-set). */
    incomplete: v.boolean(),
    ...AuditAttributes,
  },
  { workspace: toOne('workspace') },
);

export function variableResource(req: ApiRequest, x: VariableRecord): v.InferOutput<typeof VariableResource> {
  return {
    type: 'variable',
    id: x.id,
    attributes: {
      key: x.key,
      value: x.sensitive ? null : x.value,
      category: x.category,
      sensitive: x.sensitive,
      hcl: x.hcl,
      description: x.description,
      // Terrakube's: a sensitive variable saved without a value (server-set).
      incomplete: x.sensitive && x.value.trim() === '',
      ...auditAttributes(x),
    },
    relationships: { workspace: { data: { type: 'workspace', id: x.workspaceId } } },
    links: selfLink(req, `/organization/${x.organizationId}/workspace/${x.workspaceId}/variable/${x.id}`),
  };
}

/** Attributes the server sets (declared apart: a spread inside resource()'s argument would keep the whole resource in every bundle). */
const READ_ONLY = ['incomplete', ...AUDIT_ATTRIBUTES];

const variables = /* @__PURE__ */ resource({
  type: 'variable',
  noun: 'variable',
  parents: [{ param: 'workspaceId', noun: 'workspace' }],
  idParam: 'variableId',
  rules: { readOnly: READ_ONLY },
  relationships: { workspace: { type: 'workspace', readOnly: true } },
  access: { write: 'manageWorkspace', action: 'managing variables' },
  repository: {
    load: (ids, id, refs) => {
      const scope = { orgId: ids.orgId as string, workspaceId: ids.workspaceId as string };
      return readScope(scope, id ? variableRef(scope.workspaceId, id) : undefined, refs);
    },
    collection: (scope) => variableCollection(scope.ids.workspaceId as string),
    create: planCreateVariable,
    update: planUpdateVariable,
    remove: planDeleteVariable,
  },
  filterable: { key: 'string', category: 'string', sensitive: 'boolean', hcl: 'boolean', description: 'string' },
  include: { names: ['workspace'] },
  render: variableResource,
  collectionPath: (ids) => `/organization/${ids.orgId}/workspace/${ids.workspaceId}/variable`,
});

export const list = /* @__PURE__ */ variables.list();
export const get = /* @__PURE__ */ variables.get();
export const create = /* @__PURE__ */ variables.create({
  schema: Create,
  build: (scope, attrs, audit) => ({
    id: newId(),
    organizationId: scope.ids.orgId as string,
    workspaceId: scope.ids.workspaceId as string,
    ...attrs,
    description: attrs.description ?? null,
    ...audit,
  }),
});
export const update = /* @__PURE__ */ variables.update({
  schema: Update,
  check: (scope, attrs) => {
    if (scope.item?.sensitive && attrs.sensitive === false) {
      throw new Invalid('a sensitive variable cannot be made non-sensitive; delete it and create it again', pointer('/data/attributes/sensitive'));
    }
  },
});
export const remove = /* @__PURE__ */ variables.remove();
