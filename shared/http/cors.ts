/**
 * CORS for a browser client on another origin (the Terrakube UI): which origins are allowed
 * (TERRAKUBE_CORS_ORIGINS locally, the `corsOrigins` context value in AWS) and what a preflight allows.
 * In AWS the HTTP API's own CORS configuration answers preflights and adds the headers; locally the
 * API Gateway stand-in does the same from these very lists, so the two cannot disagree.
 */
export const CORS_ALLOW_HEADERS = [
  'Authorization',
  'Content-Type',
  'Accept',
  'Cache-Control',
  // The UI's SSE streams send it when they reconnect.
  'Last-Event-ID',
  'X-TFC-Token',
  'X-TFC-Url',
] as const;
export const CORS_ALLOW_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
export const CORS_EXPOSE_HEADERS = ['Location', 'Allow'] as const;
export const CORS_MAX_AGE_SECONDS = 600;

/** A comma-separated list of origins (`https://ui.example.com`, `http://localhost:3000`) or `*`. */
export function parseCorsOrigins(raw: string | undefined): string[] {
  const origins = (raw ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  for (const o of origins) {
    if (o === '*') continue;
    let url: URL | undefined;
    try {
      url = new URL(o);
    } catch {
      url = undefined;
    }
    if (!url || !/^https?:$/.test(url.protocol) || url.origin !== o.replace(/\/$/, '')) {
      throw new Error(`corsOrigins: '${o}' is not an origin (scheme://host[:port], no path), nor '*'`);
    }
  }
  return origins.map((o) => o.replace(/\/$/, ''));
}

/** Credentials (the Authorization header) may be sent unless every origin is allowed. */
export const allowsCredentials = (origins: readonly string[]) => !origins.includes('*');

function allowedOrigin(origins: readonly string[], origin: string | undefined): string | undefined {
  if (!origin || origins.length === 0) return undefined;
  if (origins.includes('*')) return '*';
  return origins.includes(origin) ? origin : undefined;
}

/** Headers for an actual (non-preflight) response: none when the origin is not allowed. */
export function corsResponseHeaders(origins: readonly string[], origin: string | undefined): Record<string, string> {
  const allowed = allowedOrigin(origins, origin);
  if (!allowed) return {};
  return {
    'access-control-allow-origin': allowed,
    ...(allowed === '*' ? {} : { 'access-control-allow-credentials': 'true', vary: 'Origin' }),
    'access-control-expose-headers': CORS_EXPOSE_HEADERS.join(', '),
  };
}

/** A preflight's answer, as API Gateway gives it: 204, with the allowances only for an allowed origin. */
export function preflight(origins: readonly string[], origin: string | undefined): { statusCode: 204; headers: Record<string, string> } {
  const allowed = allowedOrigin(origins, origin);
  if (!allowed) return { statusCode: 204, headers: {} };
  return {
    statusCode: 204,
    headers: {
      'access-control-allow-origin': allowed,
      ...(allowed === '*' ? {} : { 'access-control-allow-credentials': 'true', vary: 'Origin' }),
      'access-control-allow-methods': CORS_ALLOW_METHODS.join(', '),
      'access-control-allow-headers': CORS_ALLOW_HEADERS.join(', '),
      'access-control-max-age': String(CORS_MAX_AGE_SECONDS),
    },
  };
}
