/**
 * Teams: a team's name is a group from the token's `groups` claim; its flags grant permissions in the
 * organization. Admins manage teams; members read them. Every write also updates the organization's
 * `teams` map in the same transaction, which is what authorization reads.
 */
import * as v from 'valibot';
import type { TeamRecord } from '../domain/records';
import type { ApiRequest } from '../http/api-handler';
import { bool, nonEmptyString } from '../http/attributes';
import { AuditAttributes, resourceSchema, toOne } from '../http/resource-schema';
import { readScope } from '../store/repositories/scope';
import { listTeams, planCreateTeam, planDeleteTeam, planUpdateTeam, teamFlags, teamRef } from '../store/repositories/teams';
import { AUDIT_ATTRIBUTES, auditAttributes, newId, selfLink } from './common';
import { resource } from './crud';

const groupName = v.pipe(nonEmptyString(256, 'a group name'), v.regex(/^[^\s,]+$/, 'must be a group name without spaces or commas'));
export const Create = v.object({
  name: groupName,
  manageWorkspace: v.optional(bool(), false),
  manageTemplate: v.optional(bool(), false),
  manageJob: v.optional(bool(), false),
});
export const Update = v.object({
  name: v.optional(groupName),
  manageWorkspace: v.optional(bool()),
  manageTemplate: v.optional(bool()),
  manageJob: v.optional(bool()),
});

export const TeamResource = resourceSchema(
  'team',
  { name: v.string(), manageWorkspace: v.boolean(), manageTemplate: v.boolean(), manageJob: v.boolean(), ...AuditAttributes },
  { organization: toOne('organization') },
);

function teamResource(req: ApiRequest, t: TeamRecord): v.InferOutput<typeof TeamResource> {
  return {
    type: 'team',
    id: t.id,
    attributes: { name: t.name, ...teamFlags(t), ...auditAttributes(t) },
    relationships: { organization: { data: { type: 'organization', id: t.organizationId } } },
    links: selfLink(req, `/organization/${t.organizationId}/team/${t.id}`),
  };
}

const teams = /* @__PURE__ */ resource({
  type: 'team',
  noun: 'team',
  parents: [],
  idParam: 'teamId',
  rules: { readOnly: AUDIT_ATTRIBUTES },
  access: { write: 'admin', action: 'managing teams' },
  repository: {
    load: (ids, id, refs) => readScope({ orgId: ids.orgId as string }, id ? teamRef(ids.orgId as string, id) : undefined, refs),
    list: (scope) => listTeams(scope.ids.orgId as string),
    create: planCreateTeam,
    update: planUpdateTeam,
    remove: planDeleteTeam,
  },
  render: teamResource,
  collectionPath: (ids) => `/organization/${ids.orgId}/team`,
});

export const list = /* @__PURE__ */ teams.list();
export const get = /* @__PURE__ */ teams.get();
export const create = /* @__PURE__ */ teams.create({
  schema: Create,
  build: (scope, attrs, audit) => ({ id: newId(), organizationId: scope.ids.orgId as string, ...attrs, ...audit }),
});
export const update = /* @__PURE__ */ teams.update({ schema: Update });
export const remove = /* @__PURE__ */ teams.remove();
