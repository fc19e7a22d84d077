/**
 * A public route's function (no token: the API description and its reference page): the observability
 * and access log of every route, errors as JSON:API documents, and the answer as the route builds it.
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { boot } from '../env';
import { observability } from '../observability/lambda';
import { accessLog, type ApiEvent, type ApiResult } from './api-handler';
import { errorResponse } from './error-response';

export type PublicRoute = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

export function publicHandler(route: PublicRoute) {
  boot('api');
  return middy<ApiEvent, ApiResult, Error, Context>()
    .use(observability())
    .use(accessLog() as unknown as middy.MiddlewareObj<ApiEvent, ApiResult, Error, Context>)
    .use({
      onError: (request) => {
        request.response = errorResponse(request.error, request.context.awsRequestId);
      },
    })
    .handler((event) => route(event));
}
