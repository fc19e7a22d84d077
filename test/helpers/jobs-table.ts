/**
 * Test setup that puts jobs into states the API cannot reach by itself yet (a status, a creation date),
 * written exactly as the service writes them: the item and its status index keys together.
 */
import { indexes, keys } from '../../shared/store/keys';
import { getItem } from '../../shared/store/table';
import { update, write } from '../../shared/store/writes';

export async function setJobFields(org: string, jobId: string | number, fields: { status?: string; createdDate?: string }): Promise<void> {
  const item = await getItem(keys.job(org, Number(jobId)));
  if (!item) throw new Error(`no job ${jobId}`);
  await write([
    update(keys.job(org, Number(jobId)), {
      ...fields,
      ...(fields.status ? indexes.jobStatus(org, String(item.workspaceId), fields.status) : {}),
    }),
  ]);
}
