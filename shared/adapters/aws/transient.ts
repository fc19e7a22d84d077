/**
 * The one classification of AWS errors that mean "try again shortly" rather than "this request is
 * wrong": throttling, contention and service hiccups. Every AWS call the service makes passes its
 * errors through `unavailableIfTransient`, so callers see an Unavailable (and retry, or answer 503)
 * whatever the service.
 */
import type { MiddlewareStack } from '@smithy/types';
import { Unavailable } from '../../domain/errors';

const TRANSIENT = new Set([
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'TransactionConflictException',
  'TransactionInProgressException',
  'InternalServerError',
  'ServiceUnavailable',
  'TimeoutError',
  'RetryableConcurrencyError',
  'TooManyRequestsException',
]);

export function isTransient(error: unknown): boolean {
  const name = (error as { name?: string })?.name ?? '';
  if (TRANSIENT.has(name)) return true;
  if (name === 'TransactionCanceledException') {
    const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
    return reasons.some((r) => r.Code === 'ThrottlingError' || r.Code === 'TransactionConflict' || r.Code === 'ProvisionedThroughputExceeded');
  }
  return (error as { $retryable?: unknown })?.$retryable !== undefined;
}

export function unavailableIfTransient(error: unknown): unknown {
  return isTransient(error) ? new Unavailable('the service is busy; retry shortly', 1, { cause: error }) : error;
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
