/**
 * The middleware bundle every API function is built with (middy): it turns an API Gateway HTTP API
 * (payload 2.0) event into an ApiRequest (caller, path parameters, query, parsed JSON:API body),
 * calls the route, and renders the ApiResponse or any error as JSON:API. Functions stay one line.
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2WithLambdaAuthorizer, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { principalFromContext, type AuthorizerContext, type Principal } from '../auth/principal';
import { Invalid, Unauthorized, parameter } from '../domain/errors';
import { logger } from '../logger';
import { observability } from '../observability/lambda';
import { payloadTooLarge, unsupportedMediaType } from './errors';
import { JSONAPI_MEDIA_TYPE, type Document } from './jsonapi';
import { boot } from '../env';
import { errorResponse } from './error-response';

export const MAX_BODY_BYTES = 256 * 1024;

export type ApiEvent = APIGatewayProxyEventV2WithLambdaAuthorizer<AuthorizerContext>;
export type ApiResult = APIGatewayProxyStructuredResultV2;

export interface ApiRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: Map<string, string>;
  body: unknown;
  /** Request headers, names in lower case (the atomic operations route checks its media types). */
  headers: Record<string, string>;
  principal: Principal;
  /** Scheme and host the client used, for Location headers and links. */
  baseUrl: string;
  requestId: string;
}

export interface ApiResponse {
  status: number;
  body?: Document | string;
  headers?: Record<string, string>;
}

export interface RouteOptions {
  /** Query parameters this route understands; any other is a 400 (JSON:API). `any`: others are ignored (TFE API). */
  query?: readonly string[] | 'any';
  /** The route reads a JSON:API document from the body (`optional`: an empty body is none). */
  body?: boolean | 'optional';
  /** Headers of every answer, errors included (the TFE API's version headers). */
  headers?: Record<string, string>;
  /** The environment the function boots with (default `api`; the handlers of a stream route share `stream`). */
  role?: 'api' | 'stream';
}

type ApiContext = Context & { api?: ApiRequest };

/** A route may say which query parameters it understands (the CRUD recipe's lists and reads do). */
type ApiRoute = ((req: ApiRequest) => Promise<ApiResponse>) & { query?: readonly string[] };

export function apiHandler(route: ApiRoute, given: RouteOptions = {}) {
  // The function's environment is read (and checked) as it starts, before any request.
  const options: RouteOptions = { ...given, query: given.query ?? route.query };
  boot(options.role ?? 'api');
  return middy<ApiEvent, ApiResult, Error, ApiContext>()
    .use(observability())
    .use(accessLog())
    .use({
      before: (request) => {
        request.context.api = toApiRequest(request.event, request.context, options);
      },
      onError: (request) => {
        const answer = errorResponse(request.error, request.context.awsRequestId);
        request.response = options.headers ? { ...answer, headers: { ...answer.headers, ...options.headers } } : answer;
      },
    })
    .handler(async (_event, context) => {
      const res = await route(context.api as ApiRequest);
      return toResult(options.headers ? { ...res, headers: { ...options.headers, ...res.headers } } : res);
    });
}

export function accessLog(): middy.MiddlewareObj<ApiEvent, ApiResult, Error, ApiContext> {
  const started = new WeakMap<object, number>();
  const log = (request: middy.Request<ApiEvent, ApiResult, Error, ApiContext>) => {
    const status = request.response?.statusCode ?? 500;
    logger[status >= 500 ? 'error' : 'info']('request', {
      method: request.event.requestContext?.http?.method,
      route: request.event.routeKey,
      status,
      ms: Math.round(performance.now() - (started.get(request.event) ?? performance.now())),
      requestId: request.context.awsRequestId,
      caller: request.context.api?.principal.email,
    });
  };
  return {
    before: (request) => {
      started.set(request.event, performance.now());
    },
    after: log,
    onError: async (request) => {
      // Runs after the error renderer (middy calls onError in reverse order), so the status is known.
      log(request);
    },
  };
}

export function toApiRequest(event: ApiEvent, context: Context, options: RouteOptions): ApiRequest {
  const principal = principalFromContext(event.requestContext.authorizer?.lambda);
  if ('error' in principal) throw new Unauthorized(principal.error, 'Bearer');
  const headers = lowerCaseKeys(event.headers ?? {});
  return {
    method: event.requestContext.http.method,
    path: event.rawPath,
    params: decodeParams(event.pathParameters ?? {}),
    query: parseQuery(event.rawQueryString ?? '', options.query ?? []),
    body: options.body ? parseBody(event, headers, options.body === 'optional') : undefined,
    headers,
    principal,
    baseUrl: `${headers['x-forwarded-proto'] ?? 'https'}://${headers.host ?? event.requestContext.domainName}`,
    requestId: context.awsRequestId,
  };
}

function lowerCaseKeys(headers: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[k.toLowerCase()] = v;
  return out;
}

function decodeParams(params: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) continue;
    try {
      out[k] = decodeURIComponent(v);
    } catch {
      out[k] = v;
    }
  }
  return out;
}

export function parseQuery(raw: string, allowed: readonly string[] | 'any'): Map<string, string> {
  const query = new Map<string, string>();
  for (const [key, value] of new URLSearchParams(raw)) {
    if (allowed === 'any') {
      query.set(key, value);
      continue;
    }
    if (!allowed.includes(key)) throw new Invalid(`query parameter '${key}' is not supported here`, parameter(key));
    if (query.has(key)) throw new Invalid(`query parameter '${key}' is given more than once`, parameter(key));
    query.set(key, value);
  }
  return query;
}

export function isAcceptedContentType(value: string | undefined): boolean {
  if (!value) return false;
  const [type, ...params] = value.split(';').map((p) => p.trim());
  const mediaType = type?.toLowerCase();
  if (mediaType === 'application/json') return params.every((p) => /^charset=("?)utf-8\1$/i.test(p) || p === '');
  if (mediaType === JSONAPI_MEDIA_TYPE) return params.every((p) => /^(ext|profile)=/i.test(p) || p === '');
  return false;
}

function parseBody(event: ApiEvent, headers: Record<string, string>, optional: boolean): unknown {
  if (optional && !event.body) return undefined;
  if (!isAcceptedContentType(headers['content-type'])) {
    throw unsupportedMediaType(`Content-Type must be ${JSONAPI_MEDIA_TYPE} (or application/json)`);
  }
  const raw = event.body ?? '';
  const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (bytes.length > MAX_BODY_BYTES) throw payloadTooLarge(`the request body exceeds ${MAX_BODY_BYTES} bytes`);
  if (bytes.length === 0 && optional) return undefined;
  if (bytes.length === 0) throw new Invalid('a JSON:API document is required in the request body', { pointer: '' });
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new Invalid('the request body is not valid JSON', { pointer: '' });
  }
}

function toResult(res: ApiResponse): ApiResult {
  const isText = typeof res.body === 'string';
  return {
    statusCode: res.status,
    headers: {
      ...(res.body === undefined ? {} : { 'content-type': isText ? 'text/plain; charset=utf-8' : JSONAPI_MEDIA_TYPE }),
      'cache-control': 'no-store',
      ...res.headers,
    },
    body: res.body === undefined ? '' : isText ? (res.body as string) : JSON.stringify(res.body),
  };
}
