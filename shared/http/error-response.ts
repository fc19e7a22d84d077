/**
 * The one place where errors become HTTP answers: each domain error class has its status, transport
 * errors carry theirs, a dependency that failed transiently is a 503 with Retry-After, and anything
 * else is a bug, answered 500 without details.
 */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { Conflict, DomainError, Forbidden, Invalid, NotFound, Problems, Unauthorized, Unavailable, type ErrorSource } from '../domain/errors';
import { unavailableIfTransient } from '../adapters/aws/transient';
import { logger } from '../logger';
import { TransportError } from './errors';
import { JSONAPI_MEDIA_TYPE } from './jsonapi';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

interface Rendered {
  status: number;
  detail: string;
  source?: ErrorSource;
  headers: Record<string, string>;
}

function statusOf(error: DomainError): number {
  if (error instanceof NotFound) return 404;
  if (error instanceof Conflict) return 409;
  if (error instanceof Forbidden) return 403;
  if (error instanceof Invalid) return 400;
  if (error instanceof Unauthorized) return 401;
  if (error instanceof Unavailable) return 503;
  return 500;
}

function render(error: DomainError | TransportError): Rendered {
  if (error instanceof TransportError) return { status: error.status, detail: error.message, source: error.source, headers: error.headers };
  const headers: Record<string, string> =
    error instanceof Unauthorized && error.scheme
      ? { 'www-authenticate': error.scheme }
      : error instanceof Unavailable
        ? { 'retry-after': String(error.retryAfterSeconds) }
        : {};
  return { status: statusOf(error), detail: error.message, source: error.source, headers };
}

/** The error objects (and the answer's status, that of the first) of anything thrown while serving a request. */
export function toErrors(thrown: unknown, requestId: string): Rendered[] {
  // A dependency that failed below the code that classifies it (transient.ts) is still a 503, never a 500.
  const error = thrown instanceof DomainError || thrown instanceof Problems ? thrown : unavailableIfTransient(thrown);
  if (error instanceof Problems) return error.problems.map(render);
  if (error instanceof Unavailable) {
    const cause = error.cause as { name?: string; code?: string } | undefined;
    logger.warn('transient backend error', { requestId, error: cause?.code ?? cause?.name ?? error.name });
  }
  if (error instanceof DomainError || error instanceof TransportError) return [render(error)];
  logger.error('unhandled error', { requestId, error });
  return [{ status: 500, detail: `internal error; reference ${requestId}`, headers: {} }];
}

export function errorResponse(error: unknown, requestId: string): APIGatewayProxyStructuredResultV2 {
  const errors = toErrors(error, requestId);
  const status = errors[0]?.status ?? 500;
  return {
    statusCode: status,
    headers: {
      'content-type': JSONAPI_MEDIA_TYPE,
      'cache-control': 'no-store',
      ...Object.assign({}, ...errors.map((e) => e.headers)),
    },
    body: JSON.stringify({
      jsonapi: { version: '1.1' },
      errors: errors.map((e) => ({
        status: String(e.status),
        title: TITLES[e.status] ?? 'Error',
        detail: e.detail,
        ...(e.source ? { source: e.source } : {}),
      })),
    }),
  };
}
