/** Organizations: admins create, rename and delete them; members read them (contract §2, §6). */
import * as v from 'valibot';
import { Conflict } from '../domain/errors';
import { DEFAULT_TEMPLATES, defaultTemplateTcl } from '../domain/default-templates';
import { isMember } from '../domain/permissions';
import { EXECUTION_MODES, type OrganizationRecord, type TemplateRecord } from '../domain/records';
import type { ApiRequest } from '../http/api-handler';
import { bool, emptyIsNull, enumOf, nonEmptyString, optionalText } from '../http/attributes';
import { AuditAttributes, resourceSchema } from '../http/resource-schema';
import { planCreateJobCounter } from '../store/repositories/job-ids';
import {
  listOrganizationsOfGroups,
  organizationCollection,
  organizationIdByNameRef,
  organizationRef,
  planCreateOrganization,
  planDeleteOrganization,
  planUpdateOrganization,
  removeOrganizationPartition,
} from '../store/repositories/organizations';
import { readScope } from '../store/repositories/scope';
import { planCreateTemplate } from '../store/repositories/templates';
import { organizationHasWorkspaces, removeDeletedWorkspaces } from '../store/repositories/workspaces';
import { AUDIT_ATTRIBUTES, auditAttributes, emptyLinkage, newId, relatedLink, selfLink } from './common';
import { resource } from './crud';

// executionMode, icon and disabled are Terrakube's; stored and returned as given.
export const Create = v.object({
  name: nonEmptyString(128, 'a name'),
  description: optionalText(1024),
  executionMode: emptyIsNull(enumOf(EXECUTION_MODES)),
  icon: optionalText(1024),
  disabled: v.optional(bool(), false),
});
export const Update = v.partial(Create);

/** Terrakube's organization relationships this service does not keep (always empty). */
const UNKEPT = ['collection', 'project', 'module', 'provider', 'vcs', 'ssh', 'agent', 'globalvar', 'tag', 'notificationConfiguration'] as const;

export const OrganizationResource = resourceSchema(
  'organization',
  { name: v.string(), description: v.nullable(v.string()), executionMode: v.picklist(EXECUTION_MODES), icon: v.nullable(v.string()), disabled: v.boolean(), ...AuditAttributes },
  {},
);

export function organizationResource(req: ApiRequest, org: OrganizationRecord): v.InferOutput<typeof OrganizationResource> {
  const path = `/organization/${org.id}`;
  return {
    type: 'organization',
    id: org.id,
    attributes: {
      name: org.name,
      description: org.description,
      executionMode: org.executionMode ?? 'remote',
      icon: org.icon ?? null,
      disabled: org.disabled ?? false,
      ...auditAttributes(org),
    },
    relationships: {
      workspace: relatedLink(req, `${path}/workspace`),
      job: relatedLink(req, `${path}/job`),
      team: relatedLink(req, `${path}/team`),
      template: relatedLink(req, `${path}/template`),
      ...emptyLinkage([], UNKEPT),
    },
    links: selfLink(req, path),
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
  relationships: Object.fromEntries(['workspace', 'job', 'team', 'template', ...UNKEPT].map((n) => [n, { type: n, many: true, readOnly: true }])),
  access: { write: 'admin', action: { create: 'creating an organization', update: 'updating an organization', remove: 'deleting an organization' } },
  repository: {
    load: async (ids) => {
      const scope = await readScope<OrganizationRecord>({ orgId: ids.orgId as string }, undefined);
      return { ...scope, item: scope.organization };
    },
    // Administrators page through every organization; anyone else gets those where one of their groups names a team.
    collection: (scope) => (scope.principal.isAdmin ? organizationCollection() : undefined),
    list: (scope) => listOrganizationsOfGroups(scope.principal.groups),
    byName: { field: 'name', ref: (_ids, name) => organizationIdByNameRef(name), item: (_ids, id) => organizationRef(id) },
    readable: (scope, org) => isMember(scope.principal, org),
    // The organization, its job id counter, its name guard and its default templates appear together or not at all.
    create: (org) => [
      ...planCreateOrganization(org),
      planCreateJobCounter(org.id),
      ...defaultTemplates(org).flatMap((t) => planCreateTemplate(t, `template '${t.name}'`)),
    ],
    update: (before, _after, changes) => planUpdateOrganization(before, changes),
    remove: planDeleteOrganization,
  },
  filterable: { name: 'string', description: 'string', executionMode: 'string', disabled: 'boolean' },
  include: { names: [...UNKEPT] },
  render: organizationResource,
  collectionPath: () => '/organization',
});

export const list = /* @__PURE__ */ organizations.list();
export const get = /* @__PURE__ */ organizations.get();
export const create = /* @__PURE__ */ organizations.create({
  schema: Create,
  build: (_scope, attrs, audit) => ({ id: newId(), ...attrs, description: attrs.description ?? null, executionMode: attrs.executionMode ?? 'remote', icon: attrs.icon ?? null, teams: {}, ...audit }),
});
export const update = /* @__PURE__ */ organizations.update({ schema: Update });
export const remove = /* @__PURE__ */ organizations.remove({
  check: async (scope) => {
    if (await organizationHasWorkspaces(scope.ids.orgId as string)) throw new Conflict('the organization still has workspaces; delete them first');
  },
  // The organization is gone at once; the rest of its partition (teams, templates, job history) and its soft-deleted workspaces go after.
  after: async (org) => {
    await removeOrganizationPartition(org.id);
    await removeDeletedWorkspaces(org.id);
  },
});
