/**
 * The receiver as an API Gateway (payload 2.0) function. It is public (no authorizer: the VCS signature
 * is the authentication), so it does not use the bearer middleware; errors are the same JSON:API
 * documents, successes a small JSON body. The access log names the outcome, never a header value.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { boot } from '../env';
import { logger } from '../logger';
import { observed } from '../observability/lambda';
import { webhookMetrics } from '../observability/metrics';
import { detectProvider } from '../webhooks/providers';
import { MAX_WEBHOOK_BODY, receiveDelivery } from '../webhooks/receiver';
import { VIA } from '../webhooks/records';
import { errorResponse } from './error-response';
import { payloadTooLarge } from './errors';

export function webhookReceiverHandler() {
  boot('api');
  return observed(async (event: APIGatewayProxyEventV2, context: Context): Promise<APIGatewayProxyStructuredResultV2> => {
    const started = performance.now();
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(event.headers ?? {})) if (v !== undefined) headers[k.toLowerCase()] = v;
    const body = Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
    let result: APIGatewayProxyStructuredResultV2;
    let outcome: Record<string, unknown> = {};
    try {
      if (body.length > MAX_WEBHOOK_BODY) throw payloadTooLarge(`the delivery exceeds ${MAX_WEBHOOK_BODY} bytes`);
      const answer = await receiveDelivery({ webhookId: event.pathParameters?.webhookId ?? '', headers, body });
      outcome = answer.log;
      result = {
        // 202: recorded and queued, a job is being created; 200: anything else the receiver answered.
        statusCode: answer.queued ? 202 : 200,
        headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
        body: JSON.stringify(answer.body),
      };
    } catch (error) {
      result = errorResponse(error, context.awsRequestId);
    }
    const status = result.statusCode ?? 500;
    // Accepted: handed to the processor; rejected: refused with a 4xx (not authentic, unknown, malformed).
    const provider = detectProvider(headers);
    if (status === 202 || (status >= 400 && status < 500)) webhookMetrics.delivery(status === 202 ? 'accepted' : 'rejected', provider ? VIA[provider] : 'unknown');
    logger[status >= 500 ? 'error' : 'info']('webhook delivery', {
      route: event.routeKey,
      status,
      ms: Math.round(performance.now() - started),
      requestId: context.awsRequestId,
      ...outcome,
    });
    return result;
  });
}
