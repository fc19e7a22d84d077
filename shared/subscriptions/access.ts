/**
 * Who may watch which feed: the same rules as reading the jobs over REST. The token comes in the
 * graphql-ws `connection_init` payload (`{ Authorization: "Bearer …" }`, as the Terrakube UI sends it:
 * a browser cannot set headers on a WebSocket upgrade) and is verified as the HTTP authorizer verifies
 * it. A feed is open to members of its organization (and admins); to anyone else it does not exist.
 */
import { verifyBearer } from '../auth/authorizer';
import { principalFromContext, type Principal } from '../auth/principal';
import { NotFound } from '../domain/errors';
import { requireMember } from '../domain/permissions';
import { getOrganization } from '../store/repositories/organizations';
import { getWorkspace } from '../store/repositories/workspaces';
import type { Feed } from './schema';

/** The caller a connection_init payload names, or why not. */
export async function connectionPrincipal(payload: unknown): Promise<Principal | { error: string }> {
  const params = payload && typeof payload === 'object' ? (payload as Record<string, unknown>) : {};
  const header = Object.entries(params).find(([k]) => k.toLowerCase() === 'authorization')?.[1];
  return principalFromContext(await verifyBearer({ authorization: typeof header === 'string' ? header : undefined }));
}

/** The organization of a feed the caller may watch; NotFound when it does not exist for them. */
export async function authorizeFeed(principal: Principal, feed: Feed): Promise<string> {
  if (feed.kind === 'organization') {
    requireMember(principal, await getOrganization(feed.id), feed.id);
    return feed.id;
  }
  const workspace = await getWorkspace(feed.id);
  const org = workspace && !workspace.deleted ? await getOrganization(workspace.organizationId) : undefined;
  if (!workspace || !org) throw new NotFound(`workspace ${feed.id} does not exist`);
  try {
    requireMember(principal, org, org.id);
  } catch {
    throw new NotFound(`workspace ${feed.id} does not exist`);
  }
  return org.id;
}
