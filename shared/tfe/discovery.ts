/**
 * How terraform finds and checks the service: `/.well-known/terraform.json` (the TFE API's base path
 * under `tfe.v2`, and `login.v1` when an OAuth client for `terraform login` is configured), `ping`
 * (terraform reads only its headers), the message of the day, and the account a token belongs to
 * (`terraform login` shows it after a token is pasted).
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { ApiRequest, ApiResponse } from '../http/api-handler';
import { ok } from '../resources/common';
import { environment } from '../env';
import { tfeDocument } from './documents';
import { jsonAnswer, type PublicResult } from './http';
import { TFE_BASE } from './organizations';
import { userTfeId } from './runs';

export const MOTD_PATH = '/api/terraform/motd';

export function discoveryDocument(login?: { clientId: string; authz: string; token: string; ports?: [number, number] }): Record<string, unknown> {
  return {
    'tfe.v2': `${TFE_BASE}/`,
    'tfe.v2.1': `${TFE_BASE}/`,
    'tfe.v2.2': `${TFE_BASE}/`,
    'state.v2': `${TFE_BASE}/`,
    'motd.v1': MOTD_PATH,
    ...(login ? { 'login.v1': { client: login.clientId, grant_types: ['authz_code'], authz: login.authz, token: login.token, ports: login.ports ?? [10000, 10010] } } : {}),
  };
}

/** The login.v1 service, when the environment names an OAuth client (an OIDC provider's, whose tokens the authorizer accepts). */
function loginService() {
  const env = environment();
  const clientId = env.get('TERRAKUBE_TFE_LOGIN_CLIENT_ID');
  const authz = env.get('TERRAKUBE_TFE_LOGIN_AUTHZ_URL');
  const token = env.get('TERRAKUBE_TFE_LOGIN_TOKEN_URL');
  return clientId && authz && token ? { clientId, authz, token } : undefined;
}

export async function wellKnown(_event: APIGatewayProxyEventV2): Promise<PublicResult> {
  return jsonAnswer(200, discoveryDocument(loginService()));
}

/** terraform requires TFP-API-Version >= 2.5 here and reads the client-side rate limit; the status and body are ignored. */
export async function ping(_event: APIGatewayProxyEventV2): Promise<PublicResult> {
  return { statusCode: 204, headers: { 'x-ratelimit-limit': '30' }, body: '' };
}

export async function motd(_event: APIGatewayProxyEventV2): Promise<PublicResult> {
  return jsonAnswer(200, { msg: 'Terrakube Jobs API: runs, state and logs of your workspaces, from the terraform CLI as from Terrakube.' });
}

/** The caller, as TFE's users resource (`terraform login` validates a pasted token with it). */
export async function accountDetails(req: ApiRequest): Promise<ApiResponse> {
  const { email, isAdmin } = req.principal;
  return ok(
    tfeDocument({
      type: 'users',
      id: userTfeId(email),
      attributes: { username: email, email, 'is-service-account': false, 'two-factor': { enabled: false, verified: false }, permissions: { 'can-create-organizations': isAdmin, 'can-change-email': false, 'can-change-username': false } },
    }),
  );
}
