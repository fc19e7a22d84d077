/**
 * Organizations (ORG#<org>/ORG), their name guards and their partition. The item also carries `teams`
 * (group → flags), kept in step with the team items by teams.ts, so authorizing a request is one read.
 */
import { Conflict, attribute } from '../../domain/errors';
import type { OrganizationRecord } from '../../domain/records';
import { indexes, keys, partitions } from '../keys';
import { deleteAll, keyOf, query, read, readMany, readPartition, ref, type Ref } from '../table';
import { conditions, put, remove, update, type WritePlan } from '../writes';
import { changedMeanwhile, unchanged } from './guards';

export const organizationRef = (id: string): Ref<OrganizationRecord> => ref(keys.organization(id));

export const getOrganization = (id: string) => read(organizationRef(id));

const nameTaken = (name: string) => () => new Conflict(`an organization named '${name}' already exists`, attribute('name'));

/** Every organization, by name (administrators' list; reconciliation). */
export async function listOrganizations(): Promise<OrganizationRecord[]> {
  return (await readPartition(partitions.organizations())).map((i) => organizationRef('').decode(i));
}

/** The organizations where one of these groups names a team: one index query per group, then one batch read. */
export async function listOrganizationsOfGroups(groups: string[]): Promise<OrganizationRecord[]> {
  const pages = await Promise.all(
    groups.map((g) => {
      const p = partitions.teamsOfGroup(g);
      return query({ index: p.index, KeyConditionExpression: `${p.pk[0]} = :g`, ExpressionAttributeValues: { ':g': p.pk[1] } });
    }),
  );
  const ids = [...new Set(pages.flatMap((p) => p.items.map((i) => String(i.organizationId))))];
  return (await readMany(ids.map(organizationRef))).sort((a, b) => a.name.localeCompare(b.name));
}

/** The organization and its name guard (its job id counter and default templates are planned by their repositories). */
export function planCreateOrganization(org: OrganizationRecord): WritePlan {
  return [
    put({ ...keys.organization(org.id), ...indexes.organization(org.name), ...org }, conditions.absent),
    put({ ...keys.organizationName(org.name), owner: org.id }, conditions.absent, nameTaken(org.name)),
  ];
}

export function planUpdateOrganization(before: OrganizationRecord, changes: Partial<OrganizationRecord>): WritePlan {
  const renamed = changes.name !== undefined && changes.name.toLowerCase() !== before.name.toLowerCase();
  return [
    update(
      keys.organization(before.id),
      { ...changes, ...(changes.name !== undefined ? indexes.organization(changes.name) : {}) },
      { condition: unchanged({ name: before.name }) },
      changedMeanwhile('organization'),
    ),
    ...(renamed
      ? [
          remove(keys.organizationName(before.name)),
          put({ ...keys.organizationName(changes.name as string), owner: before.id }, conditions.absent, nameTaken(changes.name as string)),
        ]
      : []),
  ];
}

/** The organization item and its name guard go first (atomically), so the organization disappears at once. */
export function planDeleteOrganization(org: OrganizationRecord): WritePlan {
  return [remove(keys.organization(org.id), conditions.exists), remove(keys.organizationName(org.name))];
}

/** The rest of a deleted organization's partition (teams, templates, guards, job history), in batches. */
export async function removeOrganizationPartition(orgId: string): Promise<void> {
  await deleteAll((await readPartition(partitions.organization(orgId), { keysOnly: true })).map(keyOf));
}

/** The id of the organization with this name (case-insensitive), from its name guard: the TFE API names organizations. */
export const organizationIdByNameRef = (name: string): Ref<string> => ref(keys.organizationName(name), (item) => String(item.owner));
