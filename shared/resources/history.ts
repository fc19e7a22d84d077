/**
 * A workspace's state history as the Jobs API shows it (Terrakube's `history`: one per state version,
 * newest first): `GET …/workspace/{id}?include=history`. `output` is where the state is downloaded
 * (the TFE API's download, which answers with a short-lived URL of the store).
 */
import type { ApiRequest } from '../http/api-handler';
import type { ResourceObject } from '../http/jsonapi';
import { listStateVersions } from '../store/repositories/state-versions';

export async function historyResources(req: ApiRequest, workspace: { id: string; organizationId: string }): Promise<ResourceObject[]> {
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
    relationships: { workspace: { data: { type: 'workspace', id: workspace.id } } },
  }));
}
