/**
 * The public half of workload identity: OpenID discovery (`/.well-known/openid-configuration`) and the
 * signing key set (`/.well-known/jwks.json`, and `/.well-known/jwks` where Terrakube serves it), which
 * a cloud's OIDC federation (an AWS IAM OIDC provider) reads to verify the tokens steps present. No
 * bearer token: they publish only the issuer and its public key.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { jsonAnswer, type PublicResult } from '../tfe/http';
import { issuerUrl, tokenSigner } from '../wiring';

export const JWKS_PATH = '/.well-known/jwks.json';

/** The issuer configured, else the host the request reached (the API's own URL in AWS). */
const issuerOf = (event: APIGatewayProxyEventV2) => issuerUrl(event.requestContext?.domainName ? `https://${event.requestContext.domainName}` : undefined);

export async function openIdConfiguration(event: APIGatewayProxyEventV2): Promise<PublicResult> {
  const issuer = issuerOf(event);
  return cached(
    jsonAnswer(200, {
      issuer,
      jwks_uri: `${issuer}${JWKS_PATH}`,
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      scopes_supported: ['openid'],
      claims_supported: [
        'sub', 'aud', 'exp', 'iat', 'nbf', 'iss', 'jti',
        'terrakube_organization_id', 'terrakube_organization_name', 'terrakube_workspace_id', 'terrakube_workspace_name',
        'terrakube_job_id', 'terrakube_step_id', 'terrakube_run_phase',
      ],
    }),
  );
}

export async function jwks(_event: APIGatewayProxyEventV2): Promise<PublicResult> {
  return cached(jsonAnswer(200, { keys: [await tokenSigner().publicJwk()] }));
}

/** Verifiers cache these documents; an hour keeps a key change visible the same day. */
const cached = (result: PublicResult): PublicResult => ({ ...result, headers: { ...result.headers, 'cache-control': 'public, max-age=3600' } });
