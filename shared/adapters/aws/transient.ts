/**
 * The one classification of failures that mean "try again shortly" rather than "this request is
 * wrong": throttling and contention (the service is busy), and a dependency that cannot be reached or
 * answers with a server error (connection refused or reset, a timeout, a 5xx). Every AWS call the
 * service makes passes its errors through `unavailableIfTransient` after the SDK's own retries, so
 * callers see an Unavailable (and retry, or answer 503) whatever the service. Anything else is either
 * the request's fault (a domain error) or a bug (500).
 */
import type { MiddlewareStack } from '@smithy/types';
import { Unavailable } from '../../domain/errors';

/** Busy: the request was refused to protect the service; it will be accepted shortly. */
const BUSY = new Set([
  'ThrottlingException',
  'Throttling',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'TransactionConflictException',
  'TransactionInProgressException',
  'TooManyRequestsException',
  'SlowDown',
  'RetryableConcurrencyError',
]);

/** Down: the service (or the way to it) failed; nothing says the request was wrong. */
const DOWN = new Set([
  'InternalServerError',
  'InternalServerException',
  'InternalFailure',
  'InternalError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'ServiceException',
  'KMSInternalException',
  'DependencyTimeoutException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

/** Node's socket and DNS errors (error.code) when a dependency is unreachable or drops the connection. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

type Failure = {
  name?: string;
  code?: string;
  message?: string;
  $retryable?: unknown;
  $fault?: string;
  $metadata?: { httpStatusCode?: number };
  CancellationReasons?: { Code?: string }[];
};

export type TransientKind = 'busy' | 'down';

/** Seconds a client should wait: a throttled request can come back at once, an unreachable dependency needs a moment. */
const RETRY_AFTER: Record<TransientKind, number> = { busy: 1, down: 2 };

/** Why a failure is transient, or undefined when it is not. */
export function transientKind(error: unknown): TransientKind | undefined {
  if (error instanceof Unavailable) return error.retryAfterSeconds > RETRY_AFTER.busy ? 'down' : 'busy';
  if (!error || typeof error !== 'object') return undefined;
  const e = error as Failure;
  const name = e.name ?? '';
  if (BUSY.has(name)) return 'busy';
  if (name === 'TransactionCanceledException') {
    const reasons = e.CancellationReasons ?? [];
    return reasons.some((r) => r.Code === 'ThrottlingError' || r.Code === 'TransactionConflict' || r.Code === 'ProvisionedThroughputExceeded')
      ? 'busy'
      : undefined;
  }
  if (DOWN.has(name) || (e.code && NETWORK_CODES.has(e.code)) || e.message === 'socket hang up') return 'down';
  const status = e.$metadata?.httpStatusCode ?? 0;
  // A 5xx whatever its body (a proxy's HTML page fails deserialization); a 429 however the service names it.
  if (status >= 500 || e.$fault === 'server') return 'down';
  if (status === 429) return 'busy';
  if (e.$retryable !== undefined) return (e.$retryable as { throttling?: boolean }).throttling ? 'busy' : 'down';
  return undefined;
}

export const isTransient = (error: unknown): boolean => transientKind(error) !== undefined;

export function unavailableIfTransient(error: unknown): unknown {
  if (error instanceof Unavailable) return error;
  const kind = transientKind(error);
  if (!kind) return error;
  const message = kind === 'busy' ? 'the service is busy; retry shortly' : 'a service this request needs is not answering; retry shortly';
  return new Unavailable(message, RETRY_AFTER[kind], { cause: error });
}

/** Runs one AWS call, its transient failures turned into Unavailable. */
export async function awsCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw unavailableIfTransient(error);
  }
}

/** Makes every call of an SDK client (after the SDK's own retries) fail with Unavailable when the failure is transient. */
export function classifyTransientErrors<C extends { middlewareStack: object }>(client: C): C {
  addClassifier(client.middlewareStack as StackOf<C>);
  return client;
}

type StackOf<C> = C extends { middlewareStack: MiddlewareStack<infer I extends object, infer O extends object> } ? MiddlewareStack<I, O> : never;

function addClassifier<I extends object, O extends object>(stack: MiddlewareStack<I, O>): void {
  stack.add((next) => (args) => awsCall(() => next(args)), { step: 'initialize', name: 'classifyTransientErrors' });
}
