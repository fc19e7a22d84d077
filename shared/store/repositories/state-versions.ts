/**
 * State versions (WS#<ws>/SV#<sequence>) and the workspace's head (WS#<ws>/SVHEAD): the last sequence
 * handed out and a copy of the current version, so reading the current state is one GetItem. A new
 * version takes the next sequence in the same transaction that writes it, conditional on the head as
 * read: two writers never share a number, and the loser reads the head again.
 */
import type { StateHeadRecord, StateVersionRecord } from '../../domain/versions';
import { keys, partitions, prefixes } from '../keys';
import { query, read, ref, stripKeys, type Ref } from '../table';
import { ConditionFailed, update, type TxItem, put, conditions } from '../writes';

export const stateHeadRef = (ws: string): Ref<StateHeadRecord> => ref(keys.stateHead(ws));
export const stateVersionRef = (ws: string, sequence: number): Ref<StateVersionRecord> => ref(keys.stateVersion(ws, sequence));

export const getStateHead = (ws: string) => read(stateHeadRef(ws));
export const getStateVersion = (ws: string, sequence: number) => read(stateVersionRef(ws, sequence));

/** The head as read: a write that moves it is conditional on it (no head yet: on there being none). */
function headCondition(head: StateHeadRecord | undefined) {
  return head
    ? { expression: 'lastSequence = :last', values: { ':last': head.lastSequence } }
    : { expression: 'attribute_not_exists(pk)' };
}

/**
 * A new version with the next sequence; `current` also makes it the workspace's current state (a
 * run's apply). Fails with ConditionFailed(0) when the head moved since it was read.
 */
export function planAddStateVersion(head: StateHeadRecord | undefined, version: StateVersionRecord, current: boolean): TxItem[] {
  const condition = headCondition(head);
  return [
    update(
      keys.stateHead(version.workspaceId),
      { workspaceId: version.workspaceId, lastSequence: version.sequence, ...(current ? { current: version } : {}) },
      { condition },
      () => new ConditionFailed(0),
    ),
    put({ ...keys.stateVersion(version.workspaceId, version.sequence), ...version }, conditions.absent),
  ];
}

/**
 * An uploaded version becomes current once its state arrived: only while it is still pending, and only
 * if the current version is still the one it was checked against.
 */
export function planFinalizeStateVersion(version: StateVersionRecord, finalized: StateVersionRecord, currentSequence: number | undefined): TxItem[] {
  return [
    update(
      keys.stateVersion(version.workspaceId, version.sequence),
      { status: finalized.status, finalizedDate: finalized.finalizedDate, size: finalized.size },
      { condition: { expression: 'attribute_exists(pk) AND #s = :pending', names: { '#s': 'status' }, values: { ':pending': 'pending' } } },
      () => new ConditionFailed(0),
    ),
    update(
      keys.stateHead(version.workspaceId),
      { current: finalized },
      {
        condition:
          currentSequence === undefined
            ? { expression: 'attribute_exists(pk) AND attribute_not_exists(#c)', names: { '#c': 'current' } }
            : { expression: '#c.#seq = :seq', names: { '#c': 'current', '#seq': 'sequence' }, values: { ':seq': currentSequence } },
      },
      () => new ConditionFailed(1),
    ),
  ];
}

export function planDiscardStateVersion(version: StateVersionRecord): TxItem {
  return update(
    keys.stateVersion(version.workspaceId, version.sequence),
    { status: 'discarded' },
    { condition: { expression: 'attribute_exists(pk) AND #s = :pending', names: { '#s': 'status' }, values: { ':pending': 'pending' } } },
    () => new ConditionFailed(0),
  );
}

/** A workspace's state versions, newest first (the Jobs API's `history`). */
export async function listStateVersions(ws: string, limit = 500): Promise<StateVersionRecord[]> {
  const p = partitions.workspace(ws);
  const out: StateVersionRecord[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await query({
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :sv)',
      ExpressionAttributeNames: { '#pk': p.pk[0], '#sk': 'sk' },
      ExpressionAttributeValues: { ':pk': p.pk[1], ':sv': prefixes.stateVersion },
      ScanIndexForward: false,
      Limit: Math.min(limit - out.length, 500),
      ExclusiveStartKey: start,
    });
    out.push(...page.items.map((i) => stripKeys<StateVersionRecord>(i)));
    start = page.lastKey;
  } while (start && out.length < limit);
  return out;
}
