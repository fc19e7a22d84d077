/**
 * What API Gateway (HTTP API, payload 2.0) would hand a Lambda function: the request event, the
 * authorizer's event, and a Lambda context. Used by the local server and by tests.
 */
import type { APIGatewayProxyEventV2, APIGatewayRequestAuthorizerEventV2, Context } from 'aws-lambda';

export interface HttpRequestLike {
  method: string;
  rawPath: string;
  rawQueryString: string;
  headers: Record<string, string>;
  body?: Buffer;
  sourceIp?: string;
}

export function lambdaContext(functionName: string): Context {
  const requestId = crypto.randomUUID();
  const started = Date.now();
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, 29_000 - (Date.now() - started)),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

function queryParameters(raw: string): Record<string, string> | undefined {
  if (!raw) return undefined;
  const out: Record<string, string> = {};
  // API Gateway joins repeated keys with commas.
  for (const [k, v] of new URLSearchParams(raw)) out[k] = k in out ? `${out[k]},${v}` : v;
  return out;
}

export function requestEvent(
  req: HttpRequestLike,
  route: { routeKey: string; pathParameters?: Record<string, string> },
  authorizer?: Record<string, unknown>,
): APIGatewayProxyEventV2 {
  const now = new Date();
  const isText = !req.body || /json|text|xml|x-www-form-urlencoded/i.test(req.headers['content-type'] ?? 'application/json');
  return {
    version: '2.0',
    routeKey: route.routeKey,
    rawPath: req.rawPath,
    rawQueryString: req.rawQueryString,
    headers: req.headers,
    queryStringParameters: queryParameters(req.rawQueryString),
    pathParameters: route.pathParameters,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: req.headers.host ?? 'localhost',
      domainPrefix: 'localhost',
      http: {
        method: req.method,
        path: req.rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: req.sourceIp ?? '127.0.0.1',
        userAgent: req.headers['user-agent'] ?? '',
      },
      requestId: crypto.randomUUID(),
      routeKey: route.routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
      ...(authorizer ? { authorizer: { lambda: authorizer } } : {}),
    } as APIGatewayProxyEventV2['requestContext'],
    body: req.body && req.body.length ? (isText ? req.body.toString('utf8') : req.body.toString('base64')) : undefined,
    isBase64Encoded: Boolean(req.body && req.body.length && !isText),
  };
}

export function authorizerEvent(req: HttpRequestLike, routeKey: string, pathParameters?: Record<string, string>): APIGatewayRequestAuthorizerEventV2 {
  const event = requestEvent(req, { routeKey, pathParameters });
  return {
    version: '2.0',
    type: 'REQUEST',
    routeArn: `arn:aws:execute-api:local:000000000000:local/$default/${req.method}${req.rawPath}`,
    identitySource: req.headers.authorization ? [req.headers.authorization] : [],
    routeKey,
    rawPath: req.rawPath,
    rawQueryString: req.rawQueryString,
    cookies: [],
    headers: req.headers,
    queryStringParameters: event.queryStringParameters ?? {},
    requestContext: event.requestContext as APIGatewayRequestAuthorizerEventV2['requestContext'],
    pathParameters: pathParameters ?? {},
    stageVariables: {},
  };
}
