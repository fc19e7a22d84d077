/**
 * The HTTP API, locally, from the template alone: its routes (RouteKey, Target integration,
 * AuthorizationType and AuthorizerId) across every nested stack, each integration's function, the
 * Lambda REQUEST authorizer with simple responses, and `$default`. A request is routed as API Gateway
 * routes (a literal segment beats a {parameter}), authorized, and handed to the function as a payload
 * 2.0 event; what the function returns is turned into the HTTP response as API Gateway does.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { authorizerEvent, requestEvent } from '../../../local/apigw';
import type { CloudAssembly, Resource } from './cloud-assembly';

type Json = Record<string, any>;

export interface ApiRoute {
  routeKey: string;
  method: string;
  path: string;
  /** The function ARN of the route's integration. */
  functionArn: string;
  authorizerFunctionArn?: string;
  authorizerId?: string;
  resource: Resource;
}

export type Invoke = (functionArn: string, event: unknown, sourceArn: string) => Promise<{ result?: unknown; error?: { errorType: string; errorMessage: string } }>;

export function apiRoutes(assembly: CloudAssembly): ApiRoute[] {
  const api = assembly.resources('AWS::ApiGatewayV2::Api').filter((a) => a.properties.ProtocolType === 'HTTP');
  if (api.length !== 1) throw new Error(`expected one HTTP API, found ${api.length}`);
  const apiId = assembly.physicalOf(api[0] as Resource);
  const websocketApis = new Set(assembly.resources('AWS::ApiGatewayV2::Api').filter((a) => a.properties.ProtocolType === 'WEBSOCKET').map((a) => assembly.physicalOf(a)));
  const routes = assembly.resources('AWS::ApiGatewayV2::Route').filter((r) => !websocketApis.has(String((assembly.resolve(r.properties, r.stack) as Json).ApiId)));
  return routes.map((route) => {
    const p = assembly.resolve(route.properties, route.stack) as Json;
    if (p.ApiId !== apiId) throw new Error(`route ${p.RouteKey} belongs to API ${p.ApiId}, not to ${apiId}`);
    const integrationId = String(p.Target ?? '').replace(/^integrations\//, '');
    const integration = assembly.resources('AWS::ApiGatewayV2::Integration').find((i) => assembly.physicalOf(i) === integrationId);
    if (!integration) throw new Error(`route ${p.RouteKey}: integration ${integrationId} is not in the template`);
    const ip = assembly.resolve(integration.properties, integration.stack) as Json;
    if (ip.IntegrationType !== 'AWS_PROXY' || ip.PayloadFormatVersion !== '2.0') throw new Error(`route ${p.RouteKey}: not a Lambda proxy integration of payload 2.0`);
    let authorizerFunctionArn: string | undefined;
    if (p.AuthorizationType === 'CUSTOM') {
      const authorizer = assembly.resources('AWS::ApiGatewayV2::Authorizer').find((a) => assembly.physicalOf(a) === p.AuthorizerId);
      if (!authorizer) throw new Error(`route ${p.RouteKey}: authorizer ${p.AuthorizerId} is not in the template`);
      const ap = assembly.resolve(authorizer.properties, authorizer.stack) as Json;
      if (ap.AuthorizerType !== 'REQUEST' || ap.EnableSimpleResponses !== true) throw new Error(`route ${p.RouteKey}: the authorizer is not a simple-response REQUEST authorizer`);
      authorizerFunctionArn = /functions\/(.+)\/invocations$/.exec(String(ap.AuthorizerUri))?.[1];
    } else if (p.AuthorizationType !== 'NONE' && p.AuthorizationType !== undefined) {
      throw new Error(`route ${p.RouteKey}: authorization ${p.AuthorizationType} is not served locally`);
    }
    const [method = '', path = ''] = String(p.RouteKey).split(' ');
    return { routeKey: String(p.RouteKey), method, path, functionArn: String(ip.IntegrationUri), authorizerFunctionArn, authorizerId: p.AuthorizerId, resource: route };
  });
}

function specificity(path: string): number[] {
  return path.split('/').map((s) => (s.startsWith('{') ? 0 : 1));
}

export function matchRoute(routes: ApiRoute[], method: string, path: string): { route: ApiRoute; params: Record<string, string> } | undefined {
  const candidates: { route: ApiRoute; params: Record<string, string> }[] = [];
  for (const route of routes) {
    if (route.routeKey === '$default' || (route.method !== method && route.method !== 'ANY')) continue;
    const want = route.path.split('/');
    const got = path.split('/');
    if (want.length !== got.length) continue;
    const params: Record<string, string> = {};
    if (want.every((w, i) => (w.startsWith('{') && w.endsWith('}') && got[i] ? ((params[w.slice(1, -1)] = got[i] as string), true) : w === got[i]))) candidates.push({ route, params });
  }
  candidates.sort((a, b) => {
    const [x, y] = [specificity(a.route.path), specificity(b.route.path)];
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return (y[i] ?? 0) - (x[i] ?? 0);
    return 0;
  });
  const found = candidates[0];
  if (found) return found;
  const fallback = routes.find((r) => r.routeKey === '$default');
  return fallback ? { route: fallback, params: {} } : undefined;
}

export class HttpApi {
  readonly routes: ApiRoute[];
  private server?: Server;
  url = '';

  constructor(private readonly assembly: CloudAssembly, private readonly invoke: Invoke) {
    this.routes = apiRoutes(assembly);
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.handle(req).then(
        (answer) => res.writeHead(answer.status, answer.headers).end(answer.body),
        (error: Error) => res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ message: `local API failed: ${error.message}` })),
      );
    });
    await new Promise<void>((ok) => this.server?.listen(0, '127.0.0.1', ok));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((ok) => (this.server ? this.server.close(() => ok()) : ok()));
  }

  private sourceArn(route: ApiRoute, method: string, path: string): string {
    const { account, region } = this.assembly.deployment;
    return `arn:aws:execute-api:${region}:${account}:localapi/$default/${method}${route.routeKey === '$default' ? path : route.path}`;
  }

  private async handle(req: IncomingMessage): Promise<{ status: number; headers: Record<string, string>; body: string | Buffer }> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://local');
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(',') : String(v ?? '')]));
    const method = (req.method ?? 'GET').toUpperCase();
    const request = { method, rawPath: url.pathname, rawQueryString: url.search.replace(/^\?/, ''), headers, body };
    const match = matchRoute(this.routes, method, url.pathname);
    if (!match) return { status: 404, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: 'Not Found' }) };
    const { route, params } = match;
    let authorizer: Json | undefined;
    if (route.authorizerFunctionArn) {
      const { account, region } = this.assembly.deployment;
      const verdict = await this.invoke(route.authorizerFunctionArn, authorizerEvent(request, route.routeKey, params), `arn:aws:execute-api:${region}:${account}:localapi/authorizers/${route.authorizerId}`);
      if (verdict.error) return { status: 500, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: 'Internal Server Error' }) };
      const answer = verdict.result as { isAuthorized?: boolean; context?: Json };
      if (!answer?.isAuthorized) return { status: 403, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: 'Forbidden' }) };
      authorizer = answer.context ?? {};
    }
    const event = requestEvent(request, { routeKey: route.routeKey, pathParameters: route.routeKey === '$default' ? undefined : params }, authorizer);
    const invoked = await this.invoke(route.functionArn, event, this.sourceArn(route, method, url.pathname));
    if (invoked.error) return { status: 500, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: 'Internal Server Error' }) };
    const result = invoked.result as Json | string | null;
    if (typeof result === 'string' || !result || typeof result !== 'object' || !('statusCode' in result)) {
      return { status: 200, headers: { 'content-type': 'application/json' }, body: typeof result === 'string' ? result : JSON.stringify(result) };
    }
    const out = result.body === undefined ? '' : result.isBase64Encoded ? Buffer.from(result.body, 'base64') : String(result.body);
    return { status: Number(result.statusCode), headers: (result.headers ?? {}) as Record<string, string>, body: out };
  }
}
