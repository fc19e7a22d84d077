/**
 * Routes whose answer is an event stream (`transport: 'stream'` in the route table). API Gateway HTTP
 * APIs buffer every response, so such a route has two handlers built from one route function:
 *
 * - `liveHandler`: a response-streaming function (Lambda function URL with RESPONSE_STREAM, and the
 *   local server). No API Gateway stands in front of it, so it does what the gateway does for the
 *   other routes: it matches the path against the route table and verifies the bearer token with the
 *   authorizer's own logic; then the request is read as every route reads it.
 * - `snapshotHandler`: the same route behind API Gateway (one pass: what is there now, then `retry:`
 *   so an EventSource client reconnects with Last-Event-ID and reads on).
 *
 * Errors before the first event are JSON:API error documents, as on every other route.
 */
import { Readable } from 'node:stream';
import middy from '@middy/core';
import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { verifyBearer } from '../auth/authorizer';
import { NotFound } from '../domain/errors';
import { boot } from '../env';
import { observability } from '../observability/lambda';
import { ROUTES, matchPath } from '../routes';
import { accessLog, apiHandler, toApiRequest, type ApiEvent, type ApiRequest } from './api-handler';
import { errorResponse } from './error-response';
import { methodNotAllowed } from './errors';
import { lambdaStreaming } from './response-stream';

export interface StreamRequest extends ApiRequest {
  /** The `Last-Event-ID` header (or the `lastEventId` query parameter some EventSource polyfills send). */
  lastEventId?: string;
  /** false: answer what there is now, once (a buffered transport). */
  live: boolean;
  /** Epoch ms by which the stream must end (the function's time). */
  deadline: number;
  /** Aborted when the client went away. */
  signal: AbortSignal;
}

export type StreamRoute = (req: StreamRequest) => Promise<AsyncIterable<string>>;
/** What middy's streaming mode writes: the status and headers as the prelude, then the body as it is read. */
type StreamResult = Omit<APIGatewayProxyStructuredResultV2, 'body'> & { body: Readable | string };

const EVENT_STREAM_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-store',
  // Proxies (nginx and the like) must pass events on as they come.
  'x-accel-buffering': 'no',
};
const QUERY = ['lastEventId'];
/** Time kept back from the function's timeout to end the stream cleanly. */
const DEADLINE_MARGIN_MS = 10_000;

const lastEventId = (req: ApiRequest) => req.headers?.['last-event-id'] ?? req.query.get('lastEventId');

function deadlineOf(context: Partial<Context>): number {
  const remaining = context.getRemainingTimeInMillis?.();
  return remaining === undefined ? Number.MAX_SAFE_INTEGER : Date.now() + Math.max(0, remaining - DEADLINE_MARGIN_MS);
}

/** The response-streaming handler (function URL; the local server streams through it too). */
export function liveHandler(route: StreamRoute) {
  boot('stream');
  // Outside Lambda the runtime's streaming API is stood in for; middy reads it as it builds the handler.
  lambdaStreaming();
  const streamRoutes = ROUTES.filter((r) => r.transport === 'stream');
  return middy<ApiEvent, StreamResult, Error, Context>({ streamifyResponse: true })
    .use(observability())
    .use(accessLog() as unknown as middy.MiddlewareObj<ApiEvent, StreamResult, Error, Context>)
    .use({
      onError: (request) => {
        request.response = errorResponse(request.error, request.context.awsRequestId);
      },
    })
    .handler(async (event, context) => {
      const path = event.rawPath.length > 1 ? event.rawPath.replace(/\/+$/, '') : event.rawPath;
      const match = streamRoutes.map((r) => ({ route: r, params: matchPath(r.path, path) })).find((m) => m.params);
      if (!match?.params) throw new NotFound(`no resource at ${event.rawPath}`);
      const method = event.requestContext.http.method;
      if (method !== match.route.method) throw methodNotAllowed(`${method} is not supported on this path`, [match.route.method]);
      // What API Gateway and its authorizer do for every other route.
      const authorizer = await verifyBearer(event.headers ?? {});
      const routed = { ...event, pathParameters: match.params, requestContext: { ...event.requestContext, authorizer: { lambda: authorizer } } } as ApiEvent;
      const req = toApiRequest(routed, context, { query: QUERY });
      const closed = new AbortController();
      const events = await route({ ...req, lastEventId: lastEventId(req), live: true, deadline: deadlineOf(context), signal: closed.signal });
      const body = Readable.from(events);
      body.once('close', () => closed.abort());
      return { statusCode: 200, headers: EVENT_STREAM_HEADERS, body };
    });
}

/** The buffered handler (API Gateway): one pass over the events there are now. */
export function snapshotHandler(route: StreamRoute) {
  return apiHandler(
    async (req) => {
      const events = await route({ ...req, lastEventId: lastEventId(req), live: false, deadline: Date.now(), signal: new AbortController().signal });
      let body = '';
      for await (const chunk of events) body += chunk;
      return { status: 200, body, headers: EVENT_STREAM_HEADERS };
    },
    // Both handlers of a stream route share one module, so they boot one role.
    { query: QUERY, role: 'stream' },
  );
}
