/**
 * What the GET-job function adds on top of DynamoDB: the handler module (middy, request parsing,
 * authorization, JSON:API rendering) invoked directly with an API Gateway v2 event whose
 * `requestContext.authorizer.lambda` is what the real authorizer returned for the caller's token,
 * against one raw GetItem of the same job item (document client, strongly consistent like the
 * handler's reads). The two alternate call by call (order flipped every iteration) so that machine
 * noise hits both alike; the ratio of the medians is the figure.
 */
import { performance } from 'node:perf_hooks';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { authorizerEvent, lambdaContext, requestEvent, type HttpRequestLike } from '../local/apigw';
import type { AuthorizerContext } from '../shared/auth/principal';
import { keys } from '../shared/store/keys';
import type { World } from './api';
import { median, percentile } from './stats';

export interface Overhead {
  ratio: number;
  handlerMs: { median: number; p95: number };
  rawGetItemMs: { median: number; p95: number };
  /** The handler's own DynamoDB request done raw: one BatchGetItem of the organization and the job. */
  rawBatchGetMs: number;
  /** Median handler time minus median GetItem time. */
  addedMs: number;
  /** Median of the authorizer function alone (PAT verification), for the cost model. */
  authorizerMs: number;
  iterations: number;
  warmup: number;
}

type Invoke = (event: unknown, context: unknown) => Promise<unknown>;

export async function measureOverhead(world: World, jobId: string, iterations = 300, warmup = 50): Promise<Overhead> {
  // Handler modules boot their role's environment when loaded: load them once the bench set it.
  const { handler: authorize } = await import('../functions/authorizer');
  const { handler: getJobHandler } = await import('../functions/jobs/get');
  const rawPath = `/api/v1/organization/${world.org}/job/${jobId}`;
  const routeKey = 'GET /api/v1/organization/{orgId}/job/{jobId}';
  const pathParameters = { orgId: world.org, jobId };
  const request: HttpRequestLike = {
    method: 'GET',
    rawPath,
    rawQueryString: '',
    headers: { host: 'localhost:8080', 'x-forwarded-proto': 'http', authorization: `Bearer ${world.operator}` },
  };
  // The context exactly as the authorizer builds it for this token.
  const verdict = (await (authorize as unknown as Invoke)(authorizerEvent(request, routeKey, pathParameters), lambdaContext('Authorizer'))) as {
    isAuthorized: boolean;
    context: AuthorizerContext;
  };
  if (!verdict.isAuthorized || verdict.context.error) throw new Error(`authorizer refused the bench token: ${verdict.context.error}`);
  const event = requestEvent(request, { routeKey, pathParameters }, verdict.context as Record<string, unknown>);
  const context = lambdaContext('GetOrganizationJob');

  const raw = DynamoDBDocumentClient.from(new DynamoDBClient({}));
  const get = new GetCommand({ TableName: process.env.TABLE_NAME, Key: keys.job(world.org, Number(jobId)), ConsistentRead: true });
  const batch = new BatchGetCommand({
    RequestItems: { [process.env.TABLE_NAME as string]: { Keys: [keys.organization(world.org), keys.job(world.org, Number(jobId))], ConsistentRead: true } },
  });

  const handlerOnce = async (): Promise<number> => {
    const t0 = performance.now();
    const res = (await (getJobHandler as unknown as Invoke)(event, context)) as APIGatewayProxyStructuredResultV2;
    const ms = performance.now() - t0;
    if (res.statusCode !== 200) throw new Error(`GET job handler answered ${res.statusCode}: ${res.body}`);
    return ms;
  };
  const rawOnce = async (): Promise<number> => {
    const t0 = performance.now();
    const res = await raw.send(get);
    const ms = performance.now() - t0;
    if (!res.Item) throw new Error('raw GetItem found no job item');
    return ms;
  };
  const batchOnce = async (): Promise<number> => {
    const t0 = performance.now();
    await raw.send(batch);
    return performance.now() - t0;
  };
  const authorizeOnce = async (): Promise<number> => {
    const t0 = performance.now();
    await (authorize as unknown as Invoke)(authorizerEvent(request, routeKey, pathParameters), context);
    return performance.now() - t0;
  };

  const handlerMs: number[] = [];
  const rawMs: number[] = [];
  const authorizerMs: number[] = [];
  const batchMs: number[] = [];
  try {
    for (let i = 0; i < warmup + iterations; i++) {
      let h: number;
      let r: number;
      if (i % 2 === 0) {
        h = await handlerOnce();
        r = await rawOnce();
      } else {
        r = await rawOnce();
        h = await handlerOnce();
      }
      // Outside the interleaved pair: the authorizer and the raw BatchGetItem (for the cost model and the analysis).
      const a = await authorizeOnce();
      const b = await batchOnce();
      if (i < warmup) continue;
      batchMs.push(b);
      handlerMs.push(h);
      rawMs.push(r);
      authorizerMs.push(a);
    }
  } finally {
    raw.destroy();
  }
  const h = median(handlerMs);
  const r = median(rawMs);
  return {
    ratio: h / r,
    handlerMs: { median: h, p95: percentile(handlerMs, 95) },
    rawGetItemMs: { median: r, p95: percentile(rawMs, 95) },
    rawBatchGetMs: median(batchMs),
    addedMs: h - r,
    authorizerMs: median(authorizerMs),
    iterations,
    warmup,
  };
}
