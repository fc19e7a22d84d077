/**
 * Teams: a team's name is a group from the token's `groups` claim; its flags grant permissions in the
 * organization. Admins manage teams; members read them. Every write also updates the organization's
 * `teams` map in the same transaction, which is what authorization reads.
 *
 * Terrakube's model has more flags than grant anything here: planJob also lets a team start jobs;
 * approveJob, manageState, manageModule, manageProvider, manageVcs, manageCollection and role are
 * stored and returned as given (approvals follow the flow's team, contract §3.2).
 */
import * as v from 'valibot';
import type { TeamRecord } from '../domain/records';
import type { ApiRequest } from '../http/api-handler';
import { bool, nonEmptyString, optionalText } from '../http/attributes';
import { AuditAttributes, resourceSchema, toOne } from '../http/resource-schema';
import { readScope } from '../store/repositories/scope';
import { planCreateTeam, planDeleteTeam, planUpdateTeam, teamCollection, teamFlags, teamIdByNameRef, teamRef } from '../store/repositories/teams';
import { AUDIT_ATTRIBUTES, auditAttributes, newId, organizationLinkage, selfLink } from './common';
import { resource } from './crud';

const groupName = v.pipe(nonEmptyString(256, 'a group name'), v.regex(/^[^\s,]+$/, 'must be a group name without spaces or commas'));
const flag = () => v.optional(bool(), false);
export const Create = v.object({
  name: groupName,
  manageWorkspace: flag(),
  manageTemplate: flag(),
  manageJob: flag(),
  planJob: flag(),
  approveJob: flag(),
  manageState: flag(),
  manageModule: flag(),
  manageProvider: flag(),
  manageVcs: flag(),
  manageCollection: flag(),
  role: optionalText(64),
});
export const Update = v.partial(Create);

export function teamAttributes(t: TeamRecord): v.InferOutput<typeof TeamResource>['attributes'] {
  return {
    name: t.name,
    ...teamFlags(t),
    approveJob: t.approveJob ?? false,
    manageState: t.manageState ?? false,
    manageModule: t.manageModule ?? false,
    manageProvider: t.manageProvider ?? false,
    manageVcs: t.manageVcs ?? false,
    manageCollection: t.manageCollection ?? false,
    role: t.role ?? null,
    ...auditAttributes(t),
  };
}

export const TeamResource = resourceSchema(
  'team',
  {
    name: v.string(),
    manageWorkspace: v.boolean(),
    manageTemplate: v.boolean(),
    manageJob: v.boolean(),
    planJob: v.boolean(),
    approveJob: v.boolean(),
    manageState: v.boolean(),
    manageModule: v.boolean(),
    manageProvider: v.boolean(),
    manageVcs: v.boolean(),
    manageCollection: v.boolean(),
    role: v.nullable(v.string()),
    ...AuditAttributes,
  },
  { organization: toOne('organization') },
);

function teamResource(req: ApiRequest, t: TeamRecord): v.InferOutput<typeof TeamResource> {
  return {
    type: 'team',
    id: t.id,
    attributes: teamAttributes(t),
    relationships: { organization: organizationLinkage(t.organizationId) },
    links: selfLink(req, `/organization/${t.organizationId}/team/${t.id}`),
  };
}

const teams = /* @__PURE__ */ resource({
  type: 'team',
  noun: 'team',
  parents: [],
  idParam: 'teamId',
  rules: { readOnly: AUDIT_ATTRIBUTES },
  relationships: { organization: { type: 'organization', readOnly: true } },
  access: { write: 'admin', action: 'managing teams' },
  repository: {
    load: (ids, id, refs) => readScope({ orgId: ids.orgId as string }, id ? teamRef(ids.orgId as string, id) : undefined, refs),
    collection: (scope) => teamCollection(scope.ids.orgId as string),
    byName: { field: 'name', ref: (ids, name) => teamIdByNameRef(ids.orgId as string, name), item: (ids, id) => teamRef(ids.orgId as string, id) },
    create: planCreateTeam,
    update: planUpdateTeam,
    remove: planDeleteTeam,
  },
  filterable: {
    name: 'string',
    manageWorkspace: 'boolean',
    manageTemplate: 'boolean',
    manageJob: 'boolean',
    planJob: 'boolean',
    approveJob: 'boolean',
    manageState: 'boolean',
    manageModule: 'boolean',
    manageProvider: 'boolean',
    manageVcs: 'boolean',
    manageCollection: 'boolean',
    role: 'string',
  },
  include: { names: ['organization'] },
  render: teamResource,
  collectionPath: (ids) => `/organization/${ids.orgId}/team`,
});

export const list = /* @__PURE__ */ teams.list();
export const get = /* @__PURE__ */ teams.get();
export const create = /* @__PURE__ */ teams.create({
  schema: Create,
  build: (scope, attrs, audit) => ({ id: newId(), organizationId: scope.ids.orgId as string, ...attrs, role: attrs.role ?? null, ...audit }),
});
export const update = /* @__PURE__ */ teams.update({ schema: Update });
export const remove = /* @__PURE__ */ teams.remove();
