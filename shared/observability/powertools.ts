/**
 * Powertools for AWS Lambda, one instance of each per function container: the Logger writes the
 * service's JSON log lines (shared/logger.ts redacts what it is given first), the Tracer records the
 * invocation and every AWS SDK call as X-Ray segments (active only in Lambda, where AWS_EXECUTION_ENV
 * is set), and Metrics publishes CloudWatch embedded-metric-format lines (shared/observability/metrics.ts).
 * POWERTOOLS_SERVICE_NAME and POWERTOOLS_METRICS_NAMESPACE override the names below.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { METRICS_NAMESPACE, SERVICE_NAME } from './names';

export const powertoolsLogger = new Logger({ serviceName: SERVICE_NAME });
export const tracer = new Tracer({ serviceName: SERVICE_NAME });
export const metrics = new Metrics({ serviceName: SERVICE_NAME, namespace: METRICS_NAMESPACE });

/** An AWS SDK v3 client whose calls appear as subsegments of the invocation's trace (a no-op outside Lambda). */
export function traced<Client extends object>(client: Client): Client {
  return tracer.captureAWSv3Client(client);
}
