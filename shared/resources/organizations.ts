/** Organizations: admins create, rename and delete them; members read them (contract §2, §6). */
import * as v from 'valibot';
import { Conflict } from '../domain/errors';
import { DEFAULT_TEMPLATES, defaultTemplateTcl } from '../domain/default-templates';
import type { OrganizationRecord, TemplateRecord } from '../domain/records';
import type { ApiRequest } from '../http/api-handler';
import { nonEmptyString, optionalText } from '../http/attributes';
import { AuditAttributes, resourceSchema } from '../http/resource-schema';
import { planCreateJobCounter } from '../store/repositories/job-ids';
import {
  listOrganizations,
  listOrganizationsOfGroups,
  planCreateOrganization,
  planDeleteOrganization,
  planUpdateOrganization,
  removeOrganizationPartition,
} from '../store/repositories/organizations';
import { readScope } from '../store/repositories/scope';
import { planCreateTemplate } from '../store/repositories/templates';
import { organizationHasWorkspaces } from '../store/repositories/workspaces';
import { AUDIT_ATTRIBUTES, auditAttributes, newId, selfLink } from './common';
import { resource } from './crud';

export const Create = v.object({ name: nonEmptyString(128, 'a name'), description: optionalText(1024) });
export const Update = v.partial(Create);

export const OrganizationResource = resourceSchema('organization', { name: v.string(), description: v.nullable(v.string()), ...AuditAttributes }, {});

export function organizationResource(req: ApiRequest, org: OrganizationRecord): v.InferOutput<typeof OrganizationResource> {
  return {
    type: 'organization',
    id: org.id,
    attributes: { name: org.name, description: org.description, ...auditAttributes(org) },
    relationships: {},
    links: selfLink(req, `/organization/${org.id}`),
  };
}

/** Every new organization gets Terrakube's default templates, written with it. */
const defaultTemplates = (org: OrganizationRecord): TemplateRecord[] =>
  DEFAULT_TEMPLATES.map((seed) => ({
    id: newId(),
    organizationId: org.id,
    name: seed.name,
    description: seed.description,
    version: '1.0.0',
    tcl: defaultTemplateTcl(seed),
    createdBy: org.createdBy,
    createdDate: org.createdDate,
    updatedBy: org.updatedBy,
    updatedDate: org.updatedDate,
  }));

const organizations = /* @__PURE__ */ resource({
  type: 'organization',
  noun: 'organization',
  root: true,
  parents: [],
  idParam: 'orgId',
  rules: { readOnly: AUDIT_ATTRIBUTES },
  access: { write: 'admin', action: { create: 'creating an organization', update: 'updating an organization', remove: 'deleting an organization' } },
  repository: {
    load: async (ids) => {
      const scope = await readScope<OrganizationRecord>({ orgId: ids.orgId as string }, undefined);
      return { ...scope, item: scope.organization };
    },
    // Administrators see every organization; anyone else those where one of their groups names a team.
    list: (scope) => (scope.principal.isAdmin ? listOrganizations() : listOrganizationsOfGroups(scope.principal.groups)),
    // The organization, its job id counter, its name guard and its default templates appear together or not at all.
    create: (org) => [
      ...planCreateOrganization(org),
      planCreateJobCounter(org.id),
      ...defaultTemplates(org).flatMap((t) => planCreateTemplate(t, `template '${t.name}'`)),
    ],
    update: (before, _after, changes) => planUpdateOrganization(before, changes),
    remove: planDeleteOrganization,
  },
  render: organizationResource,
  collectionPath: () => '/organization',
});

export const list = /* @__PURE__ */ organizations.list();
export const get = /* @__PURE__ */ organizations.get();
export const create = /* @__PURE__ */ organizations.create({
  schema: Create,
  build: (_scope, attrs, audit) => ({ id: newId(), name: attrs.name, description: attrs.description ?? null, teams: {}, ...audit }),
});
export const update = /* @__PURE__ */ organizations.update({ schema: Update });
export const remove = /* @__PURE__ */ organizations.remove({
  check: async (scope) => {
    if (await organizationHasWorkspaces(scope.ids.orgId as string)) throw new Conflict('the organization still has workspaces; delete them first');
  },
  // The organization is gone at once; the rest of its partition (teams, templates, job history) goes after.
  after: (org) => removeOrganizationPartition(org.id),
});
