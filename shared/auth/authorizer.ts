/**
 * HTTP API Lambda authorizer (simple responses). It verifies the bearer token and passes the caller to
 * the route's function. A missing or bad token is still "authorized" with an `error` in the context, so
 * the function answers with the contract's JSON:API 401 document instead of API Gateway's bare 403;
 * every API function refuses a request whose context has no verified caller.
 */
import type { APIGatewayRequestAuthorizerEventV2, APIGatewaySimpleAuthorizerWithContextResult } from 'aws-lambda';
import { logger } from '../logger';
import { boot, environment } from '../env';
import { observed } from '../observability/lambda';
import { patSecret } from './pat-secret';
import type { AuthorizerContext } from './principal';
import { TokenError, verifyToken } from './tokens';

type Result = APIGatewaySimpleAuthorizerWithContextResult<AuthorizerContext>;

export function authorizerHandler() {
  boot('authorizer');
  return observed(authorize);
}

async function authorize(event: APIGatewayRequestAuthorizerEventV2): Promise<Result> {
  return { isAuthorized: true, context: await verifyBearer(event.headers ?? {}) };
}

/**
 * The caller a request's `Authorization: Bearer` header names, as the authorizer context (an `error`
 * when the token is missing or bad). The authorizer answers with it; a function that API Gateway
 * does not front (the log stream's function URL) calls it itself, so both verify tokens one way.
 */
export async function verifyBearer(headers: Record<string, string | undefined>): Promise<AuthorizerContext> {
  const env = environment();
  const adminGroup = env.get('TERRAKUBE_ADMIN_GROUP') ?? 'TERRAKUBE_ADMIN';
  const issuer = env.get('TERRAKUBE_OIDC_ISSUER');
  const header = Object.entries(headers).find(([k]) => k.toLowerCase() === 'authorization')?.[1];
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match) return refuse(header ? 'malformed Authorization header; expected Bearer <token>' : 'missing bearer token');
  try {
    const claims = await verifyToken(match[1] as string, {
      patSecret: await patSecret({ secret: env.get('TERRAKUBE_PAT_SECRET'), secretArn: env.get('PAT_SECRET_ARN') }),
      oidc: issuer ? { issuer, audience: env.get('TERRAKUBE_OIDC_AUDIENCE') ?? '', jwksUrl: env.get('TERRAKUBE_OIDC_JWKS_URL') } : undefined,
    });
    return { email: claims.email, groups: JSON.stringify(claims.groups), admin: claims.groups.includes(adminGroup) };
  } catch (error) {
    if (error instanceof TokenError) return refuse(error.message);
    logger.error('token verification failed unexpectedly', { error });
    return refuse('the token could not be verified');
  }
}

function refuse(reason: string): AuthorizerContext {
  logger.info('token refused', { reason });
  return { error: reason };
}
