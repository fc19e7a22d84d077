/** Templates: named TCL flows of an organization, validated when saved (contract §2, §4). */
import { Conflict, Invalid, NotFound, pointer } from '../domain/errors';
import * as v from 'valibot';
import type { ApiRequest, ApiResponse } from '../http/api-handler';
import { checkAttributes, nonEmptyString, optionalText } from '../http/attributes';
import { document, readResourceDocument, type ResourceObject } from '../http/jsonapi';
import { requireMember, requirePermission } from '../domain/permissions';
import type { TemplateRecord } from '../domain/records';
import { keys, prefixes } from '../store/keys';
import { conditions, guard, put, remove, update, write } from '../store/writes';
import {
  AUDIT_ATTRIBUTES,
  auditAttributes,
  created,
  createdAudit,
  definedOnly,
  listInOrganization,
  loadOrganization,
  loadOrganizationChild,
  newId,
  noContent,
  ok,
  orgParam,
  selfLink,
  updatedAudit,
} from './common';

const TYPE = 'template';
const tcl = v.pipe(v.string('must be a base64-encoded YAML flow'), v.maxLength(200_000, 'is too large'));
const Create = v.object({
  name: nonEmptyString(256, 'a name'),
  description: optionalText(1024),
  version: v.optional(nonEmptyString(32, 'a version'), '1.0.0'),
  tcl,
});
const Update = v.partial(Create);
const rules = { readOnly: AUDIT_ATTRIBUTES };

/**
 * Rejects TCL that would not run, with the YAML path at fault in the detail. The parser is loaded on
 * first use: most routes that share this module (every job read) never parse YAML.
 */
export async function validateTcl(value: string, at = '/data/attributes/tcl'): Promise<void> {
  const { TclError, parseTcl } = await import('../domain/tcl');
  try {
    parseTcl(value);
  } catch (e) {
    if (e instanceof TclError) throw new Invalid(`invalid tcl: ${e.message}`, pointer(at));
    throw e;
  }
}

function templateResource(req: ApiRequest, t: TemplateRecord): ResourceObject {
  return {
    type: TYPE,
    id: t.id,
    attributes: { name: t.name, description: t.description, version: t.version, tcl: t.tcl, ...auditAttributes(t) },
    relationships: { organization: { data: { type: 'organization', id: t.organizationId } } },
    links: selfLink(req, `/organization/${t.organizationId}/template/${t.id}`),
  };
}

async function loadTemplate(req: ApiRequest) {
  const { orgId, id, org, item } = await loadOrganizationChild<TemplateRecord>(req, 'templateId', 'template', keys.template);
  return { orgId, templateId: id, org, template: item };
}

export async function listTemplates(req: ApiRequest): Promise<ApiResponse> {
  const orgId = orgParam(req);
  requireMember(req.principal, await loadOrganization(orgId), orgId);
  const templates = await listInOrganization<TemplateRecord>(orgId, prefixes.template);
  return ok(document(templates.map((t) => templateResource(req, t)), { links: selfLink(req, `/organization/${orgId}/template`) }));
}

export async function getTemplate(req: ApiRequest): Promise<ApiResponse> {
  const { orgId, templateId, org, template } = await loadTemplate(req);
  requireMember(req.principal, org, orgId);
  if (!template) throw new NotFound(`template ${templateId} does not exist`);
  return ok(document(templateResource(req, template)));
}

export async function createTemplate(req: ApiRequest): Promise<ApiResponse> {
  const orgId = orgParam(req);
  const input = readResourceDocument(req.body, { type: TYPE });
  const attrs = checkAttributes(input.attributes, Create, rules);
  await validateTcl(attrs.tcl);
  requirePermission(req.principal, await loadOrganization(orgId), orgId, 'manageTemplate', 'managing templates');
  const template: TemplateRecord = {
    id: newId(),
    organizationId: orgId,
    name: attrs.name,
    description: attrs.description ?? null,
    version: attrs.version,
    tcl: attrs.tcl,
    ...createdAudit(req.principal),
  };
  await write([
    put({ ...keys.template(orgId, template.id), ...template }, conditions.absent),
    guard(keys.templateName(orgId, template.name), template.id, `a template named '${template.name}'`),
  ]);
  return created(req, templateResource(req, template));
}

export async function updateTemplate(req: ApiRequest): Promise<ApiResponse> {
  orgParam(req);
  const input = readResourceDocument(req.body, { type: TYPE, id: req.params.templateId });
  const attrs = definedOnly(checkAttributes(input.attributes, Update, rules));
  if (attrs.tcl !== undefined) await validateTcl(attrs.tcl);
  const { orgId, templateId, org, template } = await loadTemplate(req);
  requirePermission(req.principal, org, orgId, 'manageTemplate', 'managing templates');
  if (!template) throw new NotFound(`template ${templateId} does not exist`);
  const renamed = attrs.name !== undefined && attrs.name.toLowerCase() !== template.name.toLowerCase();
  await write([
    update(
      keys.template(orgId, templateId),
      { ...attrs, ...updatedAudit(req.principal) },
      { condition: { expression: 'attribute_exists(pk) AND #n = :old', names: { '#n': 'name' }, values: { ':old': template.name } } },
      () => new Conflict('the template changed while it was being updated; retry'),
    ),
    ...(renamed
      ? [remove(keys.templateName(orgId, template.name)), guard(keys.templateName(orgId, attrs.name as string), templateId, `a template named '${attrs.name}'`)]
      : []),
  ]);
  return noContent();
}

export async function deleteTemplate(req: ApiRequest): Promise<ApiResponse> {
  const { orgId, templateId, org, template } = await loadTemplate(req);
  requirePermission(req.principal, org, orgId, 'manageTemplate', 'managing templates');
  if (!template) throw new NotFound(`template ${templateId} does not exist`);
  await write([
    remove(keys.template(orgId, templateId), conditions.exists, () => new NotFound(`template ${templateId} does not exist`)),
    remove(keys.templateName(orgId, template.name)),
  ]);
  return noContent();
}
