/**
 * The local stand-in for API Gateway: an HTTP server that matches each request against the shared
 * route table, runs the authorizer for bearer routes, and invokes the very handler module the CDK
 * route points at with an HTTP API payload 2.0 event.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { resolve } from 'node:path';
import { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { HttpStreamDecoder, isStreamingHandler } from '../shared/http/response-stream';
import { logger } from '../shared/logger';
import { AUTHORIZER_HANDLER, FALLBACK_HANDLER, ROUTES, SNAPSHOT_EXPORT, matchPath, routeId, type RouteDef } from '../shared/routes';
import { Unavailable } from '../shared/domain/errors';
import { errorResponse } from '../shared/http/error-response';
import { corsResponseHeaders, preflight } from '../shared/http/cors';
import { authorizerEvent, lambdaContext, requestEvent, type HttpRequestLike } from './apigw';
import { downDependencies } from './dependencies';
import { isObjectRequest, serveObject, type ObjectStoreOptions } from './objects';

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

const ROOT = resolve(import.meta.dirname, '..');
const MAX_PAYLOAD = 10 * 1024 * 1024; // API Gateway's own limit
/** A restarted DynamoDB Local answers within a few seconds. */
const DEGRADED_RETRY_AFTER_SECONDS = 2;
const modules = new Map<string, Promise<Handler>>();

/** A handler module's export (`handler`, or a stream route's `snapshot`), imported once. */
export function loadHandler(file: string, name = 'handler'): Promise<Handler> {
  const key = `${file}#${name}`;
  let loaded = modules.get(key);
  if (!loaded) {
    loaded = import(pathToFileURL(resolve(ROOT, file)).href).then((m: Record<string, Handler | undefined>) => {
      const handler = m[name];
      if (typeof handler !== 'function') throw new Error(`${file} exports no ${name}`);
      return handler;
    });
    modules.set(key, loaded);
  }
  return loaded;
}

/** Imports every handler up front, so the first request is as fast as the next. */
export async function preloadHandlers(routes: readonly RouteDef[] = ROUTES): Promise<void> {
  await Promise.all([...routes.map((r) => r.handler), FALLBACK_HANDLER, AUTHORIZER_HANDLER].map((file) => loadHandler(file)));
}

function findRoute(method: string, path: string) {
  for (const route of ROUTES) {
    if (route.method !== method) continue;
    const params = matchPath(route.path, path);
    if (params) return { route, params };
  }
  return undefined;
}

async function readBody(req: IncomingMessage): Promise<Buffer | 'too-large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_PAYLOAD) return 'too-large';
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function headersOf(req: IncomingMessage, scheme: 'http' | 'https'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
  out['x-forwarded-proto'] = scheme;
  return out;
}

export interface GatewayResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string | Buffer;
}

/** Normalizes what a handler returned the way API Gateway does (payload 2.0). */
function toGatewayResult(result: APIGatewayProxyStructuredResultV2 | string | undefined): GatewayResult {
  if (typeof result === 'string' || result === undefined || !('statusCode' in result)) {
    return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: typeof result === 'string' ? result : JSON.stringify(result ?? null) };
  }
  const body = result.body === undefined ? '' : result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body;
  return { statusCode: result.statusCode ?? 200, headers: (result.headers ?? {}) as Record<string, string>, body };
}

const gatewayError = (statusCode: number, message: string): GatewayResult => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ message }),
});

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * While a dependency is down: /healthz says so (503), and writes are refused before anything is read
 * or written (503 with Retry-After), so none is left half made. Reads go ahead: what they need may be
 * cached nowhere, but trying costs nothing, and their failure is a 503 too.
 */
function whileDegraded(method: string, path: string): GatewayResult | undefined {
  const down = downDependencies();
  if (down.length === 0) return undefined;
  const names = down.map((d) => d.name).join(', ');
  if (path === '/healthz') {
    const since = Object.fromEntries(down.map((d) => [d.name, new Date(d.since).toISOString()]));
    return {
      statusCode: 503,
      headers: { 'content-type': 'application/json', 'cache-control': 'no-store', 'retry-after': String(DEGRADED_RETRY_AFTER_SECONDS) },
      body: JSON.stringify({ status: 'unavailable', down: since }),
    };
  }
  if (READS.has(method)) return undefined;
  const refused = new Unavailable(`${names} is restarting; nothing was changed, retry shortly`, DEGRADED_RETRY_AFTER_SECONDS);
  return toGatewayResult(errorResponse(refused, crypto.randomUUID()));
}

/** What API Gateway does with one request: route, authorize, invoke the function. */
export async function dispatch(request: HttpRequestLike): Promise<GatewayResult> {
  const path = request.rawPath.length > 1 ? request.rawPath.replace(/\/+$/, '') : request.rawPath;
  const req = { ...request, rawPath: path };
  const degraded = whileDegraded(req.method, path);
  if (degraded) return degraded;
  try {
    const match = findRoute(req.method, path);
    if (!match) {
      const fallback = await loadHandler(FALLBACK_HANDLER);
      return toGatewayResult((await fallback(requestEvent(req, { routeKey: '$default' }), lambdaContext('Fallback'))) as never);
    }
    const routeKey = `${match.route.method} ${match.route.path}`;
    let authorizer: Record<string, unknown> | undefined;
    if (match.route.auth === 'bearer') {
      const authorize = await loadHandler(AUTHORIZER_HANDLER);
      const verdict = (await authorize(authorizerEvent(req, routeKey, match.params), lambdaContext('Authorizer'))) as {
        isAuthorized: boolean;
        context?: Record<string, unknown>;
      };
      if (!verdict.isAuthorized) return gatewayError(403, 'Forbidden');
      authorizer = verdict.context ?? {};
    }
    // API Gateway cannot stream: a stream route's gateway function answers a snapshot.
    const handler = await loadHandler(match.route.handler, match.route.transport === 'stream' ? SNAPSHOT_EXPORT : 'handler');
    const event = requestEvent(req, { routeKey, pathParameters: match.params }, authorizer);
    return toGatewayResult((await handler(event, lambdaContext(routeId(match.route)))) as never);
  } catch (error) {
    // What API Gateway answers when the integration itself fails.
    logger.error('handler invocation failed', { error, path });
    return gatewayError(500, 'Internal Server Error');
  }
}

/**
 * A stream route, as its function URL serves it: the live handler (it verifies the token itself) writes
 * the status and headers, then each event as it comes, straight to the client.
 */
async function stream(route: RouteDef, request: HttpRequestLike, res: ServerResponse, extraHeaders: Record<string, string> = {}): Promise<void> {
  const handler = await loadHandler(route.handler);
  if (!isStreamingHandler(handler)) throw new Error(`${route.handler} does not export a streaming handler`);
  const decoder = new HttpStreamDecoder(
    (prelude) => res.writeHead(prelude.statusCode, { ...(prelude.headers ?? {}), ...extraHeaders }),
    (chunk) => res.write(chunk),
  );
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      decoder.write(chunk);
      done();
    },
    final(done) {
      decoder.end();
      done();
    },
  });
  // The client went away: the handler's pipeline stops reading the log.
  res.once('close', () => sink.destroy());
  // No function timeout here: a day (timers take at most 2^31 ms).
  const context = { ...lambdaContext(routeId(route)), getRemainingTimeInMillis: () => 86_400_000 };
  try {
    await handler(requestEvent(request, { routeKey: '$default' }), sink, context);
  } catch (error) {
    if (!res.destroyed) throw error;
  } finally {
    res.end();
  }
}

export interface HttpServerOptions {
  /** Origins allowed to call the API from a browser (TERRAKUBE_CORS_ORIGINS); none: no CORS. */
  corsOrigins?: readonly string[];
  /** Serve HTTPS with this certificate and key (PEM): the terraform CLI talks to a `cloud` host over HTTPS only. */
  tls?: { cert: Buffer; key: Buffer };
  /** Serve the artifact store's signed object URLs. */
  objects?: ObjectStoreOptions;
}

async function handle(req: IncomingMessage, res: ServerResponse, options: HttpServerOptions): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const origins = options.corsOrigins ?? [];
  const origin = typeof req.headers.origin === 'string' ? req.headers.origin : undefined;
  // With CORS configured, API Gateway answers every preflight itself; the routes never see it.
  if (origins.length > 0 && req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
    const answer = preflight(origins, origin);
    req.resume();
    res.writeHead(answer.statusCode, answer.headers).end();
    return;
  }
  // S3's part locally: the signed object URLs the artifact store hands out (never through a function).
  // The UI follows a state download's redirect here from its own origin (the bucket's CORS rule in AWS).
  if (options.objects && isObjectRequest(url.pathname)) {
    for (const [name, value] of Object.entries(corsResponseHeaders(origins, origin))) res.setHeader(name, value);
    return serveObject(req, res, url, options.objects);
  }
  const method = (req.method ?? 'GET').toUpperCase();
  const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
  const live = ROUTES.find((r) => r.transport === 'stream' && r.method === method && matchPath(r.path, path));
  if (live) {
    const request = { method, rawPath: url.pathname, rawQueryString: url.search.replace(/^\?/, ''), headers: headersOf(req, options.tls ? 'https' : 'http'), sourceIp: req.socket.remoteAddress };
    return stream(live, request, res, corsResponseHeaders(origins, origin));
  }
  const body = await readBody(req);
  const result =
    body === 'too-large'
      ? gatewayError(413, 'Request Entity Too Large')
      : await dispatch({
          method: (req.method ?? 'GET').toUpperCase(),
          rawPath: url.pathname,
          rawQueryString: url.search.replace(/^\?/, ''),
          headers: headersOf(req, options.tls ? 'https' : 'http'),
          body,
          sourceIp: req.socket.remoteAddress,
        });
  res.writeHead(result.statusCode, { ...result.headers, ...corsResponseHeaders(origins, origin) }).end(result.body);
}

export async function startHttpServer(
  port: number,
  host = '0.0.0.0',
  options: HttpServerOptions = {},
): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res, options).catch((error) => {
      logger.error('request failed', { error, path: req.url });
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'Internal Server Error' }));
    });
  };
  const server: Server = options.tls ? createTlsServer({ cert: options.tls.cert, key: options.tls.key }, listener) : createServer(listener);
  server.keepAliveTimeout = 5000;
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => ok());
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  return {
    server,
    url: `${options.tls ? 'https' : 'http'}://localhost:${actualPort}`,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
