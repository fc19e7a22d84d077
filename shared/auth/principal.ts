/** The caller, as established by the authorizer from a verified token. */
export interface Principal {
  email: string;
  groups: string[];
  isAdmin: boolean;
}

/**
 * What the HTTP API authorizer passes to the route's function. HTTP API authorizer context values
 * are flat, so groups travel as a JSON string. A token that failed verification still reaches the
 * function (with `error`), so the function answers with a JSON:API 401 document rather than API
 * Gateway's plain 403.
 */
export interface AuthorizerContext {
  email?: string;
  groups?: string;
  admin?: boolean;
  error?: string;
}

export function principalFromContext(ctx: AuthorizerContext | undefined): Principal | { error: string } {
  if (!ctx) return { error: 'missing bearer token' };
  if (ctx.error) return { error: ctx.error };
  if (typeof ctx.email !== 'string' || typeof ctx.groups !== 'string') return { error: 'missing bearer token' };
  let groups: unknown;
  try {
    groups = JSON.parse(ctx.groups);
  } catch {
    return { error: 'invalid token claims' };
  }
  if (!Array.isArray(groups) || !groups.every((g) => typeof g === 'string')) return { error: 'invalid token claims' };
  return { email: ctx.email, groups, isAdmin: ctx.admin === true || String(ctx.admin) === 'true' };
}
