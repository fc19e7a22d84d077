/**
 * Teams (ORG#<org>/TEAM#<team>), their group-name guards, and the organization item's `teams` map
 * (group → flags), written in the same transaction as the team item: that map is what authorizes.
 */
import { NotFound } from '../../domain/errors';
import type { TeamFlags } from '../../domain/permissions';
import type { TeamRecord } from '../../domain/records';
import { indexes, keys, partitions, prefixes } from '../keys';
import { readPartition, ref, type Ref } from '../table';
import { conditions, put, remove, update, type TxItem, type WritePlan } from '../writes';
import { changedMeanwhile, nameGuard, unchanged, type NameGuardRecord } from './guards';

export const teamRef = (org: string, id: string): Ref<TeamRecord> => ref(keys.team(org, id));

/** The flags that grant something: what the organization item's `teams` map holds for authorization. */
export const teamFlags = (t: TeamFlags): Required<TeamFlags> => ({
  manageWorkspace: t.manageWorkspace,
  manageTemplate: t.manageTemplate,
  manageJob: t.manageJob,
  planJob: t.planJob ?? false,
});

/** The id of the organization's team for this group: its name guard's owner. */
export const teamIdByNameRef = (org: string, name: string): Ref<string> => ref(keys.teamName(org, name), (item) => (item as unknown as NameGuardRecord).owner);

/** All of an organization's teams, by name (the GraphQL endpoint's loader reads them whole). */
export async function listTeams(org: string): Promise<TeamRecord[]> {
  const items = await readPartition(partitions.organization(org), { prefix: prefixes.team });
  return items.map((i) => teamRef(org, '').decode(i)).sort((a, b) => a.name.localeCompare(b.name));
}

/** An organization's teams, a page per Query, by name within a page. */
export const teamCollection = (org: string) => ({
  partition: partitions.organization(org),
  prefix: prefixes.team,
  decode: teamRef(org, '').decode,
  order: (a: TeamRecord, b: TeamRecord) => a.name.localeCompare(b.name),
});

const groupGuard = (team: Pick<TeamRecord, 'organizationId' | 'id' | 'name'>) =>
  nameGuard(keys.teamName(team.organizationId, team.name), team.id, `a team for group '${team.name}'`);

/** The organization's map entry for a group, written with the team item. */
function setMembership(orgId: string, group: string, flags: TeamFlags): TxItem {
  return update(
    keys.organization(orgId),
    {},
    { extraSet: ['#teams.#g = :flags'], names: { '#teams': 'teams', '#g': group }, values: { ':flags': flags }, condition: conditions.exists },
    () => new NotFound(`organization ${orgId} does not exist`),
  );
}

export function planCreateTeam(team: TeamRecord): WritePlan {
  return [
    put({ ...keys.team(team.organizationId, team.id), ...indexes.team(team.organizationId, team.name), ...team }, conditions.absent),
    groupGuard(team),
    setMembership(team.organizationId, team.name, teamFlags(team)),
  ];
}

export function planUpdateTeam(before: TeamRecord, after: TeamRecord, changes: Partial<TeamRecord>): WritePlan {
  const org = before.organizationId;
  const renamed = after.name !== before.name;
  return [
    update(
      keys.team(org, before.id),
      { ...changes, ...indexes.team(org, after.name) },
      { condition: unchanged({ name: before.name }) },
      changedMeanwhile('team'),
    ),
    ...(renamed
      ? [
          remove(keys.teamName(org, before.name)),
          groupGuard(after),
          update(
            keys.organization(org),
            {},
            {
              extraSet: ['#teams.#new = :flags'],
              remove: ['#teams.#old'],
              names: { '#teams': 'teams', '#new': after.name, '#old': before.name },
              values: { ':flags': teamFlags(after) },
              condition: conditions.exists,
            },
          ),
        ]
      : [setMembership(org, after.name, teamFlags(after))]),
  ];
}

export function planDeleteTeam(team: TeamRecord): WritePlan {
  const org = team.organizationId;
  return [
    remove(keys.team(org, team.id), conditions.exists, () => new NotFound(`team ${team.id} does not exist`)),
    remove(keys.teamName(org, team.name)),
    update(keys.organization(org), {}, { remove: ['#teams.#g'], names: { '#teams': 'teams', '#g': team.name }, condition: conditions.exists }),
  ];
}
