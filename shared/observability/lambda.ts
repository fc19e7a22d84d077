/**
 * What every function's entry point is wrapped in: the Powertools Logger gets the invocation's context
 * (request id, cold start, function), the Tracer records the invocation as an X-Ray subsegment with its
 * errors and annotations, and the metrics the invocation recorded are published when it ends. API
 * routes get these through the middleware bundle (http/api-handler.ts); runner tasks, event handlers
 * and the webhook functions through `observed`.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context } from 'aws-lambda';
import { publishMetrics } from './metrics';
import { powertoolsLogger, tracingMiddleware } from './powertools';

/** Publishes the invocation's metrics after it ended, whether it succeeded or threw. */
function metricsPublisher(): middy.MiddlewareObj {
  return { after: publishMetrics, onError: publishMetrics };
}

/** The middlewares of every function, in order (middy runs `after` hooks in reverse). */
export function observability(): middy.MiddlewareObj[] {
  return [...tracingMiddleware(), injectLambdaContext(powertoolsLogger), metricsPublisher()];
}

/**
 * An event handler (state machine task, EventBridge target, stream consumer, async invocation) with the
 * observability of an API route. The local engine calls the same handlers without a Lambda context.
 */
export function observed<Event, Result>(handler: (event: Event, context: Context) => Promise<Result>): (event: Event, context?: Context) => Promise<Result> {
  const wrapped = middy<Event, Result, Error, Context>().use(observability()).handler(handler);
  return (event, context) => wrapped(event, context ?? ({} as Context));
}
