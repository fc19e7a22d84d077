/** Variables (WS#<ws>/VAR#<variable>) and their key guards (VARKEY#<category>#<key>: one per key and category). */
import { NotFound } from '../../domain/errors';
import type { VariableRecord } from '../../domain/records';
import { keys, partitions, prefixes } from '../keys';
import { readPartition, ref, type Ref } from '../table';
import { conditions, put, remove, update, type WritePlan } from '../writes';
import { changedMeanwhile, nameGuard, unchanged } from './guards';

export const variableRef = (ws: string, id: string): Ref<VariableRecord> => ref(keys.variable(ws, id));

export async function listVariables(ws: string): Promise<VariableRecord[]> {
  const items = await readPartition(partitions.workspace(ws), { prefix: prefixes.variable });
  return items.map((i) => variableRef(ws, '').decode(i)).sort((a, b) => a.key.localeCompare(b.key));
}

/** A workspace's variables, a page per Query, by key within a page. */
export const variableCollection = (ws: string) => ({
  partition: partitions.workspace(ws),
  prefix: prefixes.variable,
  decode: variableRef(ws, '').decode,
  order: (a: VariableRecord, b: VariableRecord) => a.key.localeCompare(b.key),
});

const keyGuard = (x: Pick<VariableRecord, 'workspaceId' | 'category' | 'key'>) =>
  nameGuard(keys.variableKey(x.workspaceId, x.category, x.key), `${x.category}#${x.key}`, `a ${x.category} variable named '${x.key}'`);

/** The variable, its key guard, and its id in the workspace's `variableIds` (only while the workspace exists). */
export function planCreateVariable(x: VariableRecord): WritePlan {
  return [
    put({ ...keys.variable(x.workspaceId, x.id), ...x }, conditions.absent),
    keyGuard(x),
    update(keys.workspace(x.workspaceId), {}, { addToSet: { variableIds: [x.id] }, condition: conditions.exists }, () => new NotFound(`workspace ${x.workspaceId} does not exist`)),
  ];
}

export function planUpdateVariable(before: VariableRecord, after: VariableRecord, changes: Partial<VariableRecord>): WritePlan {
  const moved = after.key !== before.key || after.category !== before.category;
  return [
    update(
      keys.variable(before.workspaceId, before.id),
      changes,
      { condition: unchanged({ key: before.key, category: before.category }) },
      changedMeanwhile('variable'),
    ),
    ...(moved ? [remove(keys.variableKey(before.workspaceId, before.category, before.key)), keyGuard(after)] : []),
  ];
}

export function planDeleteVariable(x: VariableRecord): WritePlan {
  return [
    remove(keys.variable(x.workspaceId, x.id), conditions.exists, () => new NotFound(`variable ${x.id} does not exist`)),
    remove(keys.variableKey(x.workspaceId, x.category, x.key)),
    update(keys.workspace(x.workspaceId), {}, { deleteFromSet: { variableIds: [x.id] }, condition: conditions.exists }),
  ];
}
