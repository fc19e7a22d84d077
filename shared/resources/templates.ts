/** Templates: named TCL flows of an organization, validated when saved (contract §2, §4). */
import * as v from 'valibot';
import { Invalid, pointer } from '../domain/errors';
import type { TemplateRecord } from '../domain/records';
import type { ApiRequest } from '../http/api-handler';
import { nonEmptyString, optionalText } from '../http/attributes';
import { AuditAttributes, resourceSchema, toOne } from '../http/resource-schema';
import { readScope } from '../store/repositories/scope';
import { planCreateTemplate, planDeleteTemplate, planUpdateTemplate, templateCollection, templateIdByNameRef, templateRef } from '../store/repositories/templates';
import { AUDIT_ATTRIBUTES, auditAttributes, newId, organizationLinkage, selfLink } from './common';
import { resource } from './crud';
import { loadTcl } from '../domain/load-tcl';

const tcl = v.pipe(v.string('must be a base64-encoded YAML flow'), v.maxLength(200_000, 'is too large'));
export const Create = v.object({
  name: nonEmptyString(256, 'a name'),
  description: optionalText(1024),
  // Stored as given (the provider reads it back); null or absent: 1.0.0.
  version: v.nullish(nonEmptyString(32, 'a version'), '1.0.0'),
  tcl,
});
export const Update = v.partial(Create);

/**
 * Rejects TCL that would not run, with the YAML path at fault in the detail. The parser is loaded on
 * first use: most routes that share this module (every job read) never parse YAML.
 */
export async function validateTcl(value: string, at = '/data/attributes/tcl'): Promise<void> {
  const { TclError, parseTcl } = await loadTcl();
  try {
    parseTcl(value);
  } catch (e) {
    if (e instanceof TclError) throw new Invalid(`invalid tcl: ${e.message}`, pointer(at));
    throw e;
  }
}

export const TemplateResource = resourceSchema(
  'template',
  { name: v.string(), description: v.nullable(v.string()), version: v.string(), tcl: v.string(), ...AuditAttributes },
  { organization: toOne('organization') },
);

function templateResource(req: ApiRequest, t: TemplateRecord): v.InferOutput<typeof TemplateResource> {
  return {
    type: 'template',
    id: t.id,
    attributes: { name: t.name, description: t.description, version: t.version, tcl: t.tcl, ...auditAttributes(t) },
    relationships: { organization: organizationLinkage(t.organizationId) },
    links: selfLink(req, `/organization/${t.organizationId}/template/${t.id}`),
  };
}

const templates = /* @__PURE__ */ resource({
  type: 'template',
  noun: 'template',
  parents: [],
  idParam: 'templateId',
  rules: { readOnly: AUDIT_ATTRIBUTES },
  relationships: { organization: { type: 'organization', readOnly: true } },
  access: { write: 'manageTemplate', action: 'managing templates' },
  repository: {
    load: (ids, id, refs) => readScope({ orgId: ids.orgId as string }, id ? templateRef(ids.orgId as string, id) : undefined, refs),
    collection: (scope) => templateCollection(scope.ids.orgId as string),
    byName: { field: 'name', ref: (ids, name) => templateIdByNameRef(ids.orgId as string, name), item: (ids, id) => templateRef(ids.orgId as string, id) },
    create: (t) => planCreateTemplate(t),
    update: (before, _after, changes) => planUpdateTemplate(before, changes),
    remove: planDeleteTemplate,
  },
  filterable: { name: 'string', description: 'string', version: 'string' },
  include: { names: ['organization'] },
  render: templateResource,
  collectionPath: (ids) => `/organization/${ids.orgId}/template`,
});

const validate = async (attrs: { tcl?: string }) => {
  if (attrs.tcl !== undefined) await validateTcl(attrs.tcl);
};

export const list = /* @__PURE__ */ templates.list();
export const get = /* @__PURE__ */ templates.get();
export const create = /* @__PURE__ */ templates.create({
  schema: Create,
  validate,
  build: (scope, attrs, audit) => ({
    id: newId(),
    organizationId: scope.ids.orgId as string,
    name: attrs.name,
    description: attrs.description ?? null,
    version: attrs.version,
    tcl: attrs.tcl,
    ...audit,
  }),
});
export const update = /* @__PURE__ */ templates.update({ schema: Update, validate });
export const remove = /* @__PURE__ */ templates.remove();
