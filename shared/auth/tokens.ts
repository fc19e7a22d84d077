/**
 * Bearer token verification (contract §6). Two kinds of token are accepted:
 * - Terrakube personal access tokens: HS256, `iss: "Terrakube"`, signed with TERRAKUBE_PAT_SECRET;
 * - OIDC tokens: RS256 from the configured issuer's JWKS (the production path in AWS).
 * The unverified `iss` only picks which key and algorithm to verify with; each path pins its algorithm,
 * so an HS256 token cannot be verified against the RSA public key (alg confusion) and `none` never passes.
 */
import { SignJWT, createRemoteJWKSet, decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';

export const PAT_ISSUER = 'Terrakube';

export interface TokenClaims {
  email: string;
  groups: string[];
}

export interface VerifierConfig {
  patSecret?: string;
  oidc?: { issuer: string; audience: string; jwksUrl?: string };
}

export class TokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenError';
  }
}

const jwksCache = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

async function jwksFor(oidc: NonNullable<VerifierConfig['oidc']>) {
  const key = `${oidc.issuer}|${oidc.jwksUrl ?? ''}`;
  let jwks = jwksCache.get(key);
  if (!jwks) {
    const url = oidc.jwksUrl ?? (await discoverJwksUrl(oidc.issuer));
    jwks = createRemoteJWKSet(new URL(url), { cacheMaxAge: 10 * 60_000, timeoutDuration: 3000 });
    jwksCache.set(key, jwks);
  }
  return jwks;
}

async function discoverJwksUrl(issuer: string): Promise<string> {
  const res = await fetch(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(3000) });
  if (!res.ok) throw new TokenError('the identity provider could not be reached');
  const body = (await res.json()) as { jwks_uri?: unknown };
  if (typeof body.jwks_uri !== 'string') throw new TokenError('the identity provider publishes no JWKS');
  return body.jwks_uri;
}

export async function verifyToken(token: string, config: VerifierConfig): Promise<TokenClaims> {
  let unverified: JWTPayload;
  try {
    const header = decodeProtectedHeader(token);
    if (typeof header.alg !== 'string' || header.alg.toLowerCase() === 'none') throw new TokenError('unsigned tokens are not accepted');
    unverified = decodeJwt(token);
  } catch (e) {
    if (e instanceof TokenError) throw e;
    throw new TokenError('malformed token');
  }

  let payload: JWTPayload;
  try {
    if (unverified.iss === PAT_ISSUER) {
      if (!config.patSecret) throw new TokenError('personal access tokens are not enabled');
      ({ payload } = await jwtVerify(token, new TextEncoder().encode(config.patSecret), {
        issuer: PAT_ISSUER,
        algorithms: ['HS256'],
      }));
    } else if (config.oidc && unverified.iss === config.oidc.issuer) {
      ({ payload } = await jwtVerify(token, await jwksFor(config.oidc), {
        issuer: config.oidc.issuer,
        audience: config.oidc.audience,
        algorithms: ['RS256'],
      }));
    } else {
      throw new TokenError('unknown token issuer');
    }
  } catch (e) {
    throw asTokenError(e);
  }
  return claimsOf(payload);
}

function asTokenError(e: unknown): TokenError {
  if (e instanceof TokenError) return e;
  if (e instanceof errors.JWTExpired) return new TokenError('token expired');
  if (e instanceof errors.JWTClaimValidationFailed) return new TokenError(`token claim '${e.claim}' is not valid`);
  if (e instanceof errors.JWSSignatureVerificationFailed) return new TokenError('token signature is not valid');
  if (e instanceof errors.JOSEAlgNotAllowed) return new TokenError('token algorithm is not accepted');
  if (e instanceof errors.JWKSNoMatchingKey) return new TokenError('token signing key is unknown');
  return new TokenError('token is not valid');
}

function claimsOf(payload: JWTPayload): TokenClaims {
  const { email, groups } = payload as { email?: unknown; groups?: unknown };
  if (typeof email !== 'string' || email.length === 0 || email.length > 320) throw new TokenError("token has no 'email' claim");
  if (!Array.isArray(groups) || !groups.every((g) => typeof g === 'string' && g.length > 0 && g.length <= 256)) {
    throw new TokenError("token has no valid 'groups' claim");
  }
  if (groups.length > 500) throw new TokenError("token has too many 'groups'");
  return { email, groups: [...new Set(groups as string[])] };
}

/** Issues a personal access token like Terrakube's (HS256, iss Terrakube). */
export async function issuePersonalAccessToken(
  claims: TokenClaims & { name?: string },
  secret: string,
  validForDays = 30,
): Promise<string> {
  return new SignJWT({ email: claims.email, email_verified: true, name: claims.name ?? claims.email, groups: claims.groups })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(PAT_ISSUER)
    .setSubject(claims.email)
    .setIssuedAt()
    .setJti(crypto.randomUUID())
    .setExpirationTime(`${validForDays}d`)
    .sign(new TextEncoder().encode(secret));
}
