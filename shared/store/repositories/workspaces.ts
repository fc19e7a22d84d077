/**
 * Workspaces (WS#<ws>/WS, listed through GSI1 ORG#<org>#WS by name) and their name guards. The
 * workspace item also holds its job queue (activeJob, queue, queueVersion: workspace-queue.ts).
 */
import { Conflict } from '../../domain/errors';
import type { VariableRecord, WorkspaceRecord } from '../../domain/records';
import type { StateHeadRecord } from '../../domain/versions';
import { indexes, keys, partitions, prefixes } from '../keys';
import { deleteAll, keyOf, query, read, readPartition, ref, stripKeys, type Ref } from '../table';
import { ConditionFailed, conditions, put, remove, update, type TxItem, type WritePlan } from '../writes';
import { changedMeanwhile, nameGuard, unchanged, type NameGuardRecord } from './guards';
import { removeWorkspaceWebhooks } from './webhooks';

export const workspaceRef = (id: string): Ref<WorkspaceRecord> => ref(keys.workspace(id));

export const getWorkspace = (id: string) => read(workspaceRef(id));

export async function listWorkspaces(org: string): Promise<WorkspaceRecord[]> {
  return (await readPartition(partitions.workspacesOfOrganization(org))).map((i) => stripKeys<WorkspaceRecord>(i));
}

/** An organization's (live) workspaces, a page per Query, by name. */
export const workspaceCollection = (org: string) => ({ partition: partitions.workspacesOfOrganization(org), decode: (i: Record<string, unknown>) => stripKeys<WorkspaceRecord>(i) });

/** The id of the organization's live workspace with this name (case-insensitive): its name guard's owner. */
export const workspaceIdByNameRef = (org: string, name: string): Ref<string> =>
  ref(keys.workspaceName(org, name), (item) => (item as unknown as NameGuardRecord).owner);

export async function organizationHasWorkspaces(org: string): Promise<boolean> {
  const p = partitions.workspacesOfOrganization(org);
  return (await query({ index: p.index, KeyConditionExpression: `${p.pk[0]} = :p`, ExpressionAttributeValues: { ':p': p.pk[1] }, Limit: 1 })).items.length > 0;
}

/**
 * The workspace, all its variables and its current state version: one Query of its partition from
 * SVHEAD on (SVHEAD < VAR# < VARKEY# < WS; the configuration and state history, CV# and SV#, sort before it).
 */
export async function readWorkspaceWithVariables(id: string): Promise<{ workspace?: WorkspaceRecord; variables: VariableRecord[]; stateHead?: StateHeadRecord }> {
  const items = await readPartition(partitions.workspace(id), { from: keys.stateHead(id).sk });
  const item = items.find((i) => i.sk === keys.workspace(id).sk);
  const head = items.find((i) => i.sk === keys.stateHead(id).sk);
  return {
    workspace: item ? stripKeys<WorkspaceRecord>(item) : undefined,
    variables: items.filter((i) => String(i.sk).startsWith(prefixes.variable)).map((i) => stripKeys<VariableRecord>(i)),
    stateHead: head ? stripKeys<StateHeadRecord>(head) : undefined,
  };
}

const nameOf = (w: Pick<WorkspaceRecord, 'organizationId' | 'id' | 'name'>) =>
  nameGuard(keys.workspaceName(w.organizationId, w.name), w.id, `a workspace named '${w.name}'`);

export function planCreateWorkspace(w: WorkspaceRecord): WritePlan {
  return [put({ ...keys.workspace(w.id), ...indexes.workspace(w.organizationId, w.name), ...w }, conditions.absent), nameOf(w)];
}

/**
 * A change of a workspace. A soft delete (deleted: true) takes it out of its organization's list into
 * ORG#<org>#WSDELETED and frees its name (any rename with it is just recorded); its item stays.
 */
export function planUpdateWorkspace(before: WorkspaceRecord, changes: Partial<WorkspaceRecord>): WritePlan {
  const org = before.organizationId;
  if (changes.deleted === true && !before.deleted) {
    return [
      update(keys.workspace(before.id), { ...changes, ...indexes.deletedWorkspace(org, before.id) }, { condition: unchanged({ name: before.name }) }, changedMeanwhile('workspace')),
      remove(keys.workspaceName(org, before.name)),
    ];
  }
  const renamed = changes.name !== undefined && changes.name.toLowerCase() !== before.name.toLowerCase();
  return [
    update(
      keys.workspace(before.id),
      { ...changes, ...(changes.name !== undefined ? indexes.workspace(org, changes.name) : {}) },
      { condition: unchanged({ name: before.name }) },
      changedMeanwhile('workspace'),
    ),
    ...(renamed ? [remove(keys.workspaceName(org, before.name)), nameOf({ ...before, name: changes.name as string })] : []),
  ];
}

export const workspaceBusy = () => new Conflict('the workspace has jobs that have not ended; cancel them first');

/** Only a workspace no job holds or waits for is deleted (the condition re-checks what was read). */
export function planDeleteWorkspace(w: WorkspaceRecord): WritePlan {
  return [
    remove(
      keys.workspace(w.id),
      {
        expression: 'attribute_exists(pk) AND attribute_not_exists(activeJob) AND (attribute_not_exists(#q) OR size(#q) = :zero)',
        names: { '#q': 'queue' },
        values: { ':zero': 0 },
      },
      workspaceBusy,
    ),
    remove(keys.workspaceName(w.organizationId, w.name)),
  ];
}

/** A deleted organization's soft-deleted workspaces: their items, variables and webhooks (cleanup, not a hot path). */
export async function removeDeletedWorkspaces(org: string): Promise<void> {
  for (const item of await readPartition(partitions.deletedWorkspacesOfOrganization(org), { projection: 'id' })) {
    await removeWorkspacePartition(String(item.id));
    await removeWorkspaceWebhooks(String(item.id));
  }
}

/** What is left in a deleted workspace's partition: its variables and their guards. */
export async function removeWorkspacePartition(id: string): Promise<void> {
  await deleteAll((await readPartition(partitions.workspace(id), { keysOnly: true })).map(keyOf));
}

/**
 * Locks (TFE lock) or unlocks the workspace, conditional on it being in the other state; a lock also
 * needs no job to hold it (a run locks its workspace while it runs). Fails with ConditionFailed.
 */
export function planSetWorkspaceLock(w: WorkspaceRecord, locked: boolean, audit: Pick<WorkspaceRecord, 'updatedBy' | 'updatedDate'>): TxItem {
  return update(
    keys.workspace(w.id),
    { locked, ...audit },
    {
      condition: locked
        ? { expression: 'attribute_exists(pk) AND locked = :false AND attribute_not_exists(activeJob)', values: { ':false': false } }
        : { expression: 'attribute_exists(pk) AND locked = :true', values: { ':true': true } },
    },
    () => new ConditionFailed(0),
  );
}
