/** Organizations: admins create, rename and delete them; members read them (contract §2, §6). */
import { Conflict, Forbidden } from '../domain/errors';
import * as v from 'valibot';
import type { ApiRequest, ApiResponse } from '../http/api-handler';
import { checkAttributes, nonEmptyString, optionalText } from '../http/attributes';
import { document, readResourceDocument, type ResourceObject } from '../http/jsonapi';
import { DEFAULT_TEMPLATES, defaultTemplateTcl } from '../domain/default-templates';
import { requireAdmin, requireMember } from '../domain/permissions';
import type { OrganizationRecord, TemplateRecord } from '../domain/records';
import { indexes, keys } from '../store/keys';
import { batchGet, deleteAll, query, queryAll, stripKeys } from '../store/table';
import { conditions, guard, put, remove, update, write } from '../store/writes';
import {
  AUDIT_ATTRIBUTES,
  auditAttributes,
  created,
  createdAudit,
  loadOrganization,
  newId,
  noContent,
  ok,
  orgParam,
  selfLink,
  updatedAudit,
} from './common';

const TYPE = 'organization';
const Create = v.object({ name: nonEmptyString(128, 'a name'), description: optionalText(1024) });
const Update = v.partial(Create);
const rules = { readOnly: AUDIT_ATTRIBUTES };

export function organizationResource(req: ApiRequest, org: OrganizationRecord): ResourceObject {
  return {
    type: TYPE,
    id: org.id,
    attributes: { name: org.name, description: org.description, ...auditAttributes(org) },
    links: selfLink(req, `/organization/${org.id}`),
  };
}

export async function listOrganizations(req: ApiRequest): Promise<ApiResponse> {
  let orgs: OrganizationRecord[];
  if (req.principal.isAdmin) {
    orgs = (await queryAll({ index: 'gsi1', KeyConditionExpression: 'gsi1pk = :p', ExpressionAttributeValues: { ':p': 'ORGS' } })).map(
      (i) => stripKeys<OrganizationRecord>(i),
    );
  } else {
    // Organizations where one of the caller's groups names a team: one index query per group.
    const pages = await Promise.all(
      req.principal.groups.map((g) =>
        query({ index: 'gsi2', KeyConditionExpression: 'gsi2pk = :g', ExpressionAttributeValues: { ':g': `GROUP#${g}` } }),
      ),
    );
    const orgIds = [...new Set(pages.flatMap((p) => p.items.map((i) => String(i.organizationId))))];
    const found = orgIds.length ? await batchGet(orgIds.map((id) => keys.organization(id))) : new Map();
    orgs = [...found.values()].map((i) => stripKeys<OrganizationRecord>(i)).sort((a, b) => a.name.localeCompare(b.name));
  }
  return ok(document(orgs.map((o) => organizationResource(req, o)), { links: selfLink(req, '/organization') }));
}

export async function getOrganization(req: ApiRequest): Promise<ApiResponse> {
  const orgId = orgParam(req);
  const org = requireMember(req.principal, await loadOrganization(orgId), orgId);
  return ok(document(organizationResource(req, org)));
}

export async function createOrganization(req: ApiRequest): Promise<ApiResponse> {
  const input = readResourceDocument(req.body, { type: TYPE });
  const attrs = checkAttributes(input.attributes, Create, rules);
  if (!req.principal.isAdmin) throw new Forbidden('creating an organization is reserved to administrators');
  const audit = createdAudit(req.principal);
  const org: OrganizationRecord = { id: newId(), name: attrs.name, description: attrs.description ?? null, teams: {}, ...audit };
  const templates: TemplateRecord[] = DEFAULT_TEMPLATES.map((seed) => ({
    id: newId(),
    organizationId: org.id,
    name: seed.name,
    description: seed.description,
    version: '1.0.0',
    tcl: defaultTemplateTcl(seed),
    ...audit,
  }));
  // The organization, its job id counter, its name guard and its default templates appear together or not at all.
  await write([
    put({ ...keys.organization(org.id), ...indexes.organization(org.name), ...org }, conditions.absent),
    put({ ...keys.jobCounter(org.id), lastJobId: 0, committedJobId: 0 }, conditions.absent),
    put({ ...keys.organizationName(org.name), owner: org.id }, conditions.absent, () =>
      new Conflict(`an organization named '${org.name}' already exists`, { pointer: '/data/attributes/name' }),
    ),
    ...templates.flatMap((t) => [
      put({ ...keys.template(org.id, t.id), ...t }, conditions.absent),
      guard(keys.templateName(org.id, t.name), t.id, `template '${t.name}'`),
    ]),
  ]);
  return created(req, organizationResource(req, org));
}

export async function updateOrganization(req: ApiRequest): Promise<ApiResponse> {
  const orgId = orgParam(req);
  const input = readResourceDocument(req.body, { type: TYPE, id: req.params.orgId });
  const attrs = checkAttributes(input.attributes, Update, rules);
  const org = requireAdmin(req.principal, await loadOrganization(orgId), orgId, 'updating an organization');
  const renamed = attrs.name !== undefined && attrs.name.toLowerCase() !== org.name.toLowerCase();
  await write([
    update(
      keys.organization(orgId),
      { ...attrs, ...(attrs.name !== undefined ? indexes.organization(attrs.name) : {}), ...updatedAudit(req.principal) },
      { condition: { expression: 'attribute_exists(pk) AND #n = :old', names: { '#n': 'name' }, values: { ':old': org.name } } },
      () => new Conflict('the organization changed while it was being updated; retry'),
    ),
    ...(renamed
      ? [
          remove(keys.organizationName(org.name)),
          put({ ...keys.organizationName(attrs.name as string), owner: orgId }, conditions.absent, () =>
            new Conflict(`an organization named '${attrs.name}' already exists`, { pointer: '/data/attributes/name' }),
          ),
        ]
      : []),
  ]);
  return noContent();
}

export async function deleteOrganization(req: ApiRequest): Promise<ApiResponse> {
  const orgId = orgParam(req);
  const org = requireAdmin(req.principal, await loadOrganization(orgId), orgId, 'deleting an organization');
  const workspaces = await query({
    index: 'gsi1',
    KeyConditionExpression: 'gsi1pk = :p',
    ExpressionAttributeValues: { ':p': `ORG#${orgId}#WS` },
    Limit: 1,
  });
  if (workspaces.items.length > 0) throw new Conflict('the organization still has workspaces; delete them first');
  // The org item and its name guard go first (atomically), so the organization disappears at once;
  // the rest of its partition (teams, templates, job history) is then removed in batches.
  await write([remove(keys.organization(orgId), conditions.exists), remove(keys.organizationName(org.name))]);
  const rest = await queryAll({
    KeyConditionExpression: 'pk = :p',
    ExpressionAttributeValues: { ':p': `ORG#${orgId}` },
    ProjectionExpression: 'pk, sk',
  });
  await deleteAll(rest.map((i) => ({ pk: String(i.pk), sk: String(i.sk) })));
  return noContent();
}
