/**
 * Teams: a team's name is a group from the token's `groups` claim; its flags grant permissions in the
 * organization. Admins manage teams; members read them. Every write also updates the organization's
 * `teams` map in the same transaction, which is what authorization reads.
 */
import { Conflict, NotFound } from '../domain/errors';
import * as v from 'valibot';
import type { ApiRequest, ApiResponse } from '../http/api-handler';
import { bool, checkAttributes, nonEmptyString } from '../http/attributes';
import { document, readResourceDocument, type ResourceObject } from '../http/jsonapi';
import { requireAdmin, requireMember, type TeamFlags } from '../domain/permissions';
import type { TeamRecord } from '../domain/records';
import { indexes, keys, prefixes } from '../store/keys';
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

const TYPE = 'team';
const groupName = v.pipe(nonEmptyString(256, 'a group name'), v.regex(/^[^\s,]+$/, 'must be a group name without spaces or commas'));
const Create = v.object({
  name: groupName,
  manageWorkspace: v.optional(bool(), false),
  manageTemplate: v.optional(bool(), false),
  manageJob: v.optional(bool(), false),
});
const Update = v.object({
  name: v.optional(groupName),
  manageWorkspace: v.optional(bool()),
  manageTemplate: v.optional(bool()),
  manageJob: v.optional(bool()),
});
const rules = { readOnly: AUDIT_ATTRIBUTES };

const flagsOf = (t: TeamFlags): TeamFlags => ({ manageWorkspace: t.manageWorkspace, manageTemplate: t.manageTemplate, manageJob: t.manageJob });

function teamResource(req: ApiRequest, t: TeamRecord): ResourceObject {
  return {
    type: TYPE,
    id: t.id,
    attributes: { name: t.name, ...flagsOf(t), ...auditAttributes(t) },
    relationships: { organization: { data: { type: 'organization', id: t.organizationId } } },
    links: selfLink(req, `/organization/${t.organizationId}/team/${t.id}`),
  };
}

/** The org item's map entry for a group, written with the team item. */
function setMembership(orgId: string, group: string, flags: TeamFlags) {
  return update(keys.organization(orgId), {}, {
    extraSet: ['#teams.#g = :flags'],
    names: { '#teams': 'teams', '#g': group },
    values: { ':flags': flags },
    condition: conditions.exists,
  }, () => new NotFound(`organization ${orgId} does not exist`));
}

async function loadTeam(req: ApiRequest) {
  const { orgId, id, org, item } = await loadOrganizationChild<TeamRecord>(req, 'teamId', 'team', keys.team);
  return { orgId, teamId: id, org, team: item };
}

export async function listTeams(req: ApiRequest): Promise<ApiResponse> {
  const orgId = orgParam(req);
  requireMember(req.principal, await loadOrganization(orgId), orgId);
  const teams = await listInOrganization<TeamRecord>(orgId, prefixes.team);
  return ok(document(teams.map((t) => teamResource(req, t)), { links: selfLink(req, `/organization/${orgId}/team`) }));
}

export async function getTeam(req: ApiRequest): Promise<ApiResponse> {
  const { orgId, teamId, org, team } = await loadTeam(req);
  requireMember(req.principal, org, orgId);
  if (!team) throw new NotFound(`team ${teamId} does not exist`);
  return ok(document(teamResource(req, team)));
}

export async function createTeam(req: ApiRequest): Promise<ApiResponse> {
  const orgId = orgParam(req);
  const input = readResourceDocument(req.body, { type: TYPE });
  const attrs = checkAttributes(input.attributes, Create, rules);
  requireAdmin(req.principal, await loadOrganization(orgId), orgId, 'managing teams');
  const team: TeamRecord = { id: newId(), organizationId: orgId, ...attrs, ...createdAudit(req.principal) };
  await write([
    put({ ...keys.team(orgId, team.id), ...indexes.team(orgId, team.name), ...team }, conditions.absent),
    guard(keys.teamName(orgId, team.name), team.id, `a team for group '${team.name}'`),
    setMembership(orgId, team.name, flagsOf(team)),
  ]);
  return created(req, teamResource(req, team));
}

export async function updateTeam(req: ApiRequest): Promise<ApiResponse> {
  const orgIdParam = orgParam(req);
  const input = readResourceDocument(req.body, { type: TYPE, id: req.params.teamId });
  const attrs = checkAttributes(input.attributes, Update, rules);
  const { orgId, teamId, org, team } = await loadTeam(req);
  requireAdmin(req.principal, org, orgIdParam, 'managing teams');
  if (!team) throw new NotFound(`team ${teamId} does not exist`);
  const next: TeamRecord = { ...team, ...definedOnly(attrs), ...updatedAudit(req.principal) };
  const renamed = next.name !== team.name;
  await write([
    update(
      keys.team(orgId, teamId),
      { ...definedOnly(attrs), ...indexes.team(orgId, next.name), ...updatedAudit(req.principal) },
      { condition: { expression: 'attribute_exists(pk) AND #n = :old', names: { '#n': 'name' }, values: { ':old': team.name } } },
      () => new Conflict('the team changed while it was being updated; retry'),
    ),
    ...(renamed
      ? [
          remove(keys.teamName(orgId, team.name)),
          guard(keys.teamName(orgId, next.name), teamId, `a team for group '${next.name}'`),
          update(keys.organization(orgId), {}, {
            extraSet: ['#teams.#new = :flags'],
            remove: ['#teams.#old'],
            names: { '#teams': 'teams', '#new': next.name, '#old': team.name },
            values: { ':flags': flagsOf(next) },
            condition: conditions.exists,
          }),
        ]
      : [setMembership(orgId, next.name, flagsOf(next))]),
  ]);
  return noContent();
}

export async function deleteTeam(req: ApiRequest): Promise<ApiResponse> {
  const { orgId, teamId, org, team } = await loadTeam(req);
  requireAdmin(req.principal, org, orgId, 'managing teams');
  if (!team) throw new NotFound(`team ${teamId} does not exist`);
  await write([
    remove(keys.team(orgId, teamId), conditions.exists, () => new NotFound(`team ${teamId} does not exist`)),
    remove(keys.teamName(orgId, team.name)),
    update(keys.organization(orgId), {}, { remove: ['#teams.#g'], names: { '#teams': 'teams', '#g': team.name }, condition: conditions.exists }),
  ]);
  return noContent();
}
