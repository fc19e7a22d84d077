/**
 * Powertools for AWS Lambda, one instance of each per function container: the Logger writes the
 * service's JSON log lines (shared/logger.ts redacts what it is given first), the Tracer records the
 * invocation and every AWS SDK call as X-Ray segments, and Metrics publishes CloudWatch
 * embedded-metric-format lines (shared/observability/metrics.ts).
 * POWERTOOLS_SERVICE_NAME and POWERTOOLS_METRICS_NAMESPACE override the names below.
 *
 * The Tracer exists only inside Lambda. Loading aws-xray-sdk-core installs async hooks on the whole
 * process, which make every await ~15× slower (2 M awaits: 0.16 s → 2.5–3.5 s on this machine), and
 * outside Lambda it records nothing anyway: `npm start`, the local engine, the tests and the executor
 * never load it. In a bundle the import below is initialised before the handler module finishes loading
 * (top-level await), so a function's cold start still includes it.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import type middy from '@middy/core';
import { insideLambda } from '../env';
import { METRICS_NAMESPACE, SERVICE_NAME } from './names';

export const powertoolsLogger = new Logger({ serviceName: SERVICE_NAME });
export const metrics = new Metrics({ serviceName: SERVICE_NAME, namespace: METRICS_NAMESPACE });

async function loadTracing(): Promise<{ tracer: Tracer; middleware: middy.MiddlewareObj } | undefined> {
  if (!insideLambda()) return undefined;
  const [{ Tracer }, { captureLambdaHandler }] = await Promise.all([import('@aws-lambda-powertools/tracer'), import('@aws-lambda-powertools/tracer/middleware')]);
  const tracer = new Tracer({ serviceName: SERVICE_NAME });
  return { tracer, middleware: captureLambdaHandler(tracer, { captureResponse: false }) };
}

const tracing = await loadTracing();

/** The Tracer's middleware (none outside Lambda). */
export const tracingMiddleware = (): middy.MiddlewareObj[] => (tracing ? [tracing.middleware] : []);

/** An AWS SDK v3 client whose calls appear as subsegments of the invocation's trace (unchanged outside Lambda). */
export function traced<Client extends object>(client: Client): Client {
  return tracing ? tracing.tracer.captureAWSv3Client(client) : client;
}
