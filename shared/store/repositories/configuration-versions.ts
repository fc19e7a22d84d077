/**
 * Configuration versions (WS#<ws>/CV#<key>): what the terraform CLI uploaded for its runs. Keys are
 * ordered by creation, so the latest of a workspace is the first of a descending Query.
 */
import type { ConfigurationVersionRecord } from '../../domain/versions';
import { NotFound } from '../../domain/errors';
import { keys, partitions, prefixes } from '../keys';
import { query, read, ref, stripKeys, type Ref } from '../table';
import { ConditionFailed, conditions, put, update, type TxItem } from '../writes';

export const configurationVersionRef = (ws: string, key: string): Ref<ConfigurationVersionRecord> => ref(keys.configurationVersion(ws, key));

export const getConfigurationVersion = (ws: string, key: string) => read(configurationVersionRef(ws, key));

export function planPutConfigurationVersion(cv: ConfigurationVersionRecord): TxItem {
  return put({ ...keys.configurationVersion(cv.workspaceId, cv.key), ...cv }, conditions.absent);
}

/** The upload arrived (or failed its checks): only a version still pending changes. */
export function planConfigurationUploadChecked(cv: ConfigurationVersionRecord, changes: Pick<ConfigurationVersionRecord, 'status'> & Partial<ConfigurationVersionRecord>): TxItem {
  return update(
    keys.configurationVersion(cv.workspaceId, cv.key),
    changes,
    { condition: { expression: 'attribute_exists(pk) AND #s = :pending', names: { '#s': 'status' }, values: { ':pending': 'pending' } } },
    () => new ConditionFailed(0),
  );
}

/** The newest uploaded configuration of a workspace (a run created without naming one uses it). */
export async function latestUploadedConfiguration(ws: string): Promise<ConfigurationVersionRecord | undefined> {
  const p = partitions.workspace(ws);
  let start: Record<string, unknown> | undefined;
  for (let page = 0; page < 5; page++) {
    const found = await query({
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :cv)',
      ExpressionAttributeNames: { '#pk': p.pk[0], '#sk': 'sk' },
      ExpressionAttributeValues: { ':pk': p.pk[1], ':cv': prefixes.configurationVersion },
      ScanIndexForward: false,
      Limit: 20,
      ExclusiveStartKey: start,
    });
    const uploaded = found.items.map((i) => stripKeys<ConfigurationVersionRecord>(i)).find((cv) => cv.status === 'uploaded');
    if (uploaded) return uploaded;
    start = found.lastKey;
    if (!start) return undefined;
  }
  return undefined;
}

export const configurationNotFound = (id: string) => new NotFound(`configuration version ${id} does not exist`);
