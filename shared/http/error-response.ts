/** Maps any thrown value to a JSON:API error response. Only HttpErrors carry details to the client. */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { logger } from '../logger';
import { HttpError, HttpErrors, serviceUnavailable } from './errors';
import { JSONAPI_MEDIA_TYPE } from './jsonapi';

/** DynamoDB and Step Functions errors that mean "try again shortly", not "this request is wrong". */
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

export function errorResponse(error: unknown, requestId: string): APIGatewayProxyStructuredResultV2 {
  let errors: HttpError[];
  if (error instanceof HttpErrors) errors = error.errors;
  else if (error instanceof HttpError) errors = [error];
  else if (isTransient(error)) {
    logger.warn('transient backend error', { requestId, error: (error as Error)?.name });
    errors = [serviceUnavailable('the service is busy; retry shortly', 1)];
  } else {
    logger.error('unhandled error', { requestId, error });
    errors = [new HttpError(500, `internal error; reference ${requestId}`)];
  }
  const status = errors[0]?.status ?? 500;
  return {
    statusCode: status,
    headers: {
      'content-type': JSONAPI_MEDIA_TYPE,
      'cache-control': 'no-store',
      ...Object.assign({}, ...errors.map((e) => e.headers)),
    },
    body: JSON.stringify({ jsonapi: { version: '1.1' }, errors: errors.map((e) => e.toErrorObject()) }),
  };
}
