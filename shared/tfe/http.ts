/**
 * How TFE API functions are built: the API middleware bundle (bearer caller, JSON:API errors) with
 * the headers terraform checks on every answer, errors included, and query parameters read the TFE
 * way (unknown ones, such as `include=task_stages`, are ignored rather than refused). Public TFE
 * routes (discovery, ping, log reads) get `publicTfeHandler`: no caller, the same headers and errors.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { boot } from '../env';
import { apiHandler, type ApiRequest, type ApiResponse } from '../http/api-handler';
import { errorResponse } from '../http/error-response';
import { logger } from '../logger';
import { observed } from '../observability/lambda';

/** terraform refuses a host whose ping lacks TFP-API-Version >= 2.5; the app name only changes its wording. */
export const TFE_HEADERS: Record<string, string> = { 'tfp-api-version': '2.5', 'tfp-appname': 'Terraform Enterprise' };

export function tfeHandler(route: (req: ApiRequest) => Promise<ApiResponse>, options: { body?: boolean | 'optional' } = {}) {
  return apiHandler(route, { query: 'any', body: options.body, headers: TFE_HEADERS });
}

export type PublicResult = APIGatewayProxyStructuredResultV2;

/** A public TFE route: it answers from the event alone (its own capability check, if any). */
export function publicTfeHandler(route: (event: APIGatewayProxyEventV2) => Promise<PublicResult>) {
  boot('api');
  return observed(async (event: APIGatewayProxyEventV2, context: Context): Promise<PublicResult> => {
    const started = performance.now();
    let result: PublicResult;
    try {
      result = await route(event);
    } catch (error) {
      result = errorResponse(error, context.awsRequestId ?? 'local');
    }
    result = { ...result, headers: { ...TFE_HEADERS, 'cache-control': 'no-store', ...result.headers } };
    logger.info('request', { route: event.routeKey, status: result.statusCode, ms: Math.round(performance.now() - started) });
    return result;
  });
}

export const jsonAnswer = (status: number, body: unknown, contentType = 'application/json'): PublicResult => ({
  statusCode: status,
  headers: { 'content-type': contentType },
  body: JSON.stringify(body),
});
