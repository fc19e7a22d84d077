/** Every request no route matched ($default route): 405 with Allow when the path exists, else 404. */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { errorResponse } from '../shared/http/error-response';
import { NotFound } from '../shared/domain/errors';
import { methodNotAllowed } from '../shared/http/errors';
import { ROUTES, matchPath } from '../shared/routes';

export const handler = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  const path = event.rawPath.length > 1 ? event.rawPath.replace(/\/+$/, '') : event.rawPath;
  const matching = ROUTES.filter((r) => matchPath(r.path, path));
  const allowed = matching.map((r) => r.method);
  const feature = matching.find((r) => r.notProvided)?.notProvided;
  const detail = feature
    ? `${feature} are not provided by this service: the collection is read-only and always empty`
    : `${event.requestContext.http.method} is not supported on this path`;
  const error = allowed.length ? methodNotAllowed(detail, [...new Set(allowed)]) : new NotFound(`no resource at ${event.rawPath}`);
  return errorResponse(error, event.requestContext.requestId);
};
