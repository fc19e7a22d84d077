/**
 * A workspace's state history as the Jobs API shows it (Terrakube's `history`: one per state version,
 * newest first): `GET …/workspace/{id}?include=history`. `output` is where the state is downloaded
 * (the TFE API's download, which answers with a short-lived URL of the store).
 */
import type { ApiRequest } from '../http/api-handler';
import * as v from 'valibot';
import { AuditAttributes, resourceSchema, toOne } from '../http/resource-schema';
import { listStateVersions } from '../store/repositories/state-versions';

/** A workspace's state history entry (Terrakube's `history`): one per finalized state version. */
export const HistoryResource = resourceSchema(
  'history',
  {
    jobReference: v.nullable(v.string()),
    /** Where the state file is downloaded (the TFE API's state version download). */
    output: v.string(),
    serial: v.number(),
    md5: v.string(),
    lineage: v.string(),
    ...AuditAttributes,
  },
  { workspace: toOne('workspace') },
);

export async function historyResources(req: ApiRequest, workspace: { id: string; organizationId: string }): Promise<v.InferOutput<typeof HistoryResource>[]> {
  const versions = (await listStateVersions(workspace.id)).filter((v) => v.status === 'finalized');
  return versions.map((v) => ({
    type: 'history',
    id: v.id,
    attributes: {
      jobReference: v.jobId !== undefined ? String(v.jobId) : null,
      output: `${req.baseUrl}/api/v2/state-versions/${v.id}/download`,
      serial: v.serial,
      md5: v.md5,
      lineage: v.lineage,
      createdBy: v.createdBy,
      createdDate: v.createdDate,
      updatedBy: v.createdBy,
      updatedDate: v.finalizedDate ?? v.createdDate,
    },
    relationships: { workspace: { data: { type: 'workspace' as const, id: workspace.id } } },
    // The state version it records, in the TFE API (this API has no path of its own for it).
    links: { self: `${req.baseUrl}/api/v2/state-versions/${v.id}` },
  }));
}
