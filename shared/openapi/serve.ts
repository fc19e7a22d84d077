/**
 * GET /api/v1/openapi.json: the OpenAPI document generated from the route table (document.ts), with
 * the request's origin as its server. Public: it describes the routes and holds no data, and the API
 * reference page (/docs) reads it before the user has entered a token.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { ROUTES } from '../routes';
import { openApiDocument } from './document';

const documents = new Map<string, string>();

const header = (event: APIGatewayProxyEventV2, name: string) => Object.entries(event.headers ?? {}).find(([k]) => k.toLowerCase() === name)?.[1];
const origin = (event: APIGatewayProxyEventV2) => `${header(event, 'x-forwarded-proto') ?? 'https'}://${header(event, 'host') ?? event.requestContext.domainName}`;

export async function getOpenApiDocument(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const server = origin(event);
  let body = documents.get(server);
  if (!body) documents.set(server, (body = JSON.stringify(openApiDocument({ routes: ROUTES, serverUrl: server }))));
  return { statusCode: 200, headers: { 'content-type': 'application/json', 'cache-control': 'public, max-age=300' }, body };
}
