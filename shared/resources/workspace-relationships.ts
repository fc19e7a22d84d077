/**
 * PATCH /organization/{org}/workspace/{ws}/relationships/{vcs|ssh|agent|project}: the UI sets or clears
 * a workspace's VCS connection, agent and project this way, and clears `vcs` before every workspace
 * delete (Settings/Advanced.tsx:30-66: without a 2xx here the delete never happens). It is the workspace
 * update with that one relationship (same permissions, same write); answered 204.
 */
import { Invalid, pointer } from '../domain/errors';
import { WORKSPACE_LINKS, type WorkspaceLink } from '../domain/records';
import type { ApiRequest, ApiResponse } from '../http/api-handler';
import { NotFound } from '../domain/errors';
import * as workspaces from './workspaces';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export async function patchWorkspaceRelationship(req: ApiRequest): Promise<ApiResponse> {
  const name = req.params.relationship as string;
  if (!(WORKSPACE_LINKS as readonly string[]).includes(name)) throw new NotFound(`workspace relationship '${name}' cannot be set here (${WORKSPACE_LINKS.join(', ')})`);
  const body = req.body;
  if (!isObject(body) || !('data' in body)) throw new Invalid('the document must have data: a resource identifier or null', pointer('/data'));
  const data = body.data;
  if (data !== null) {
    if (!isObject(data) || Object.keys(data).some((k) => k !== 'type' && k !== 'id' && k !== 'meta')) throw new Invalid('data must be a resource identifier {type, id} or null', pointer('/data'));
    if (data.type !== name) throw new Invalid(`data.type must be '${name}'`, pointer('/data/type'));
    if (typeof data.id !== 'string' || data.id === '') throw new Invalid('data.id must be a non-empty string', pointer('/data/id'));
  }
  const id = req.params.workspaceId as string;
  const linkage = data === null ? null : { type: name as WorkspaceLink, id: data.id as string };
  return workspaces.update({ ...req, body: { data: { type: 'workspace', id, attributes: {}, relationships: { [name]: { data: linkage } } } } });
}
