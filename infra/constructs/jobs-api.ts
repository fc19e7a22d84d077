/**
 * The HTTP API: one Lambda function per route and method of the shared route table, the token
 * authorizer in front of every bearer route, a `$default` route answering 404/405 as JSON:API, and
 * access logs. Each function gets only the grants its route declares. The API, its stage, authorizer
 * and fallback live in the root stack; the routes with their functions live in one nested stack per
 * route family (route-families.ts), so no template nears CloudFormation's 500-resource limit.
 */
import { Duration, NestedStack, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ApiEnv, AuthorizerEnv, NoEnv, StreamEnv, type EnvironmentOf } from '../../shared/env';
import { AUTHORIZER_HANDLER, FALLBACK_HANDLER, ROUTES, SNAPSHOT_EXPORT, routeId, type Access, type RouteDef } from '../../shared/routes';
import { CORS_ALLOW_HEADERS, CORS_ALLOW_METHODS, CORS_EXPOSE_HEADERS, CORS_MAX_AGE_SECONDS, allowsCredentials } from '../../shared/http/cors';
import { acknowledge } from '../nag';
import { type RouteFamily, routesByFamily } from './route-families';
import { ServiceFunction } from './service-function';

export interface JobsApiProps {
  adminGroup: string;
  patSecret: secretsmanager.ISecret;
  oidc?: { issuer: string; audience: string };
  /** Environment every API function gets (the table name, the state machine's ARN …). */
  environment: EnvironmentOf<typeof ApiEnv>;
  /** Turns a route's declared access into IAM grants. */
  grant: (access: Access, grantee: iam.IGrantable) => void;
  throttle?: { rateLimit: number; burstLimit: number };
  /** The routes to serve (default: the route table). */
  routes?: readonly RouteDef[];
  /** Browser origins allowed to call the API (none: no CORS). */
  corsOrigins?: string[];
}

export class JobsApi extends Construct {
  readonly api: apigw.HttpApi;
  readonly authorizerFunction: ServiceFunction;
  readonly routeFunctions = new Map<RouteDef, ServiceFunction>();
  /** The nested stack of each route family. */
  readonly families = new Map<RouteFamily, NestedStack>();
  /** Each stream route's response-streaming function and its function URL (API Gateway cannot stream). */
  readonly liveStreams = new Map<RouteDef, { fn: ServiceFunction; url: lambda.FunctionUrl }>();

  constructor(scope: Construct, id: string, props: JobsApiProps) {
    super(scope, id);
    const authorizerEnv: EnvironmentOf<typeof AuthorizerEnv> = {
      TERRAKUBE_ADMIN_GROUP: props.adminGroup,
      PAT_SECRET_ARN: props.patSecret.secretArn,
      ...(props.oidc ? { TERRAKUBE_OIDC_ISSUER: props.oidc.issuer, TERRAKUBE_OIDC_AUDIENCE: props.oidc.audience } : {}),
    };
    this.authorizerFunction = new ServiceFunction(this, 'Authorizer', {
      entry: AUTHORIZER_HANDLER,
      description: 'Verifies bearer tokens (PAT HS256 and OIDC RS256) for the HTTP API',
      env: AuthorizerEnv,
      environment: authorizerEnv,
      timeout: Duration.seconds(5),
    });
    props.patSecret.grantRead(this.authorizerFunction.role);
    // No identity source: the authorizer also sees requests without a token and lets the function
    // answer them with a JSON:API 401 (API Gateway's own 401 has no error document).
    const authorizer = new RootAuthorizer(this, 'TokenAuthorizer', this.authorizerFunction);

    const fallback = new ServiceFunction(this, 'Fallback', {
      entry: FALLBACK_HANDLER,
      description: 'Answers unknown paths (404) and unsupported methods (405)',
      env: NoEnv,
      environment: {},
      timeout: Duration.seconds(5),
    });

    this.api = new apigw.HttpApi(this, 'HttpApi', {
      description: 'Terrakube Jobs API',
      createDefaultStage: false,
      defaultIntegration: new HttpLambdaIntegration('FallbackIntegration', fallback.fn),
      corsPreflight: props.corsOrigins?.length ? corsPreflight(props.corsOrigins) : undefined,
    });
    acknowledge(this.api.node.findChild('DefaultRoute'), 'AwsSolutions-APIG4',
      'The $default route only answers 404/405 error documents for unknown paths; it reads no data.');
    const accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: logs.RetentionDays.THREE_MONTHS, removalPolicy: RemovalPolicy.DESTROY });
    new apigw.HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle ?? { rateLimit: 200, burstLimit: 400 },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            time: '$context.requestTime',
            method: '$context.httpMethod',
            route: '$context.routeKey',
            path: '$context.path',
            status: '$context.status',
            latencyMs: '$context.responseLatency',
            integrationError: '$context.integrationErrorMessage',
            authorizerError: '$context.authorizer.error',
          }),
        ),
      },
    });

    authorizer.bindTo(this.api);
    // A stream route's two functions (live and snapshot) share one module, which boots the stream role.
    const streamEnvironment: EnvironmentOf<typeof StreamEnv> = { ...props.environment, ...authorizerEnv };
    for (const [family, routes] of routesByFamily(props.routes ?? ROUTES)) {
      const stack = new NestedStack(this, `${family}Routes`, { description: `Terrakube Jobs API: the ${family.toLowerCase()} routes and their functions` });
      this.families.set(family, stack);
      for (const route of routes) {
        const stream = route.transport === 'stream';
        const fn = stream
          ? new ServiceFunction(stack, routeId(route), {
              entry: route.handler,
              handlerExport: SNAPSHOT_EXPORT,
              description: `${route.method} ${route.path}`,
              env: StreamEnv,
              environment: streamEnvironment,
            })
          : new ServiceFunction(stack, routeId(route), {
              entry: route.handler,
              description: `${route.method} ${route.path}`,
              env: ApiEnv,
              environment: props.environment,
              packageFiles: route.packageFiles,
            });
        if (stream) this.liveStreams.set(route, this.liveStream(stack, route, streamEnvironment, props));
        for (const access of route.access) props.grant(access, fn.role);
        const httpRoute = new apigw.HttpRoute(stack, `${routeId(route)}Route`, {
          httpApi: this.api,
          routeKey: apigw.HttpRouteKey.with(route.path, route.method as apigw.HttpMethod),
          integration: new HttpLambdaIntegration(`${routeId(route)}Integration`, fn.fn),
          authorizer: route.auth === 'bearer' ? authorizer : new apigw.HttpNoneAuthorizer(),
        });
        if (route.auth === 'none') acknowledge(httpRoute, 'AwsSolutions-APIG4', route.publicReason ?? 'public route');
        this.routeFunctions.set(route, fn);
      }
    }
  }

  /**
   * The live side of a stream route: a response-streaming function behind a function URL (auth NONE:
   * the function verifies the bearer token itself, as the authorizer would), up to Lambda's 15 minutes
   * per connection; a client reconnects with Last-Event-ID for more.
   */
  private liveStream(stack: NestedStack, route: RouteDef, environment: EnvironmentOf<typeof StreamEnv>, props: JobsApiProps) {
    const fn = new ServiceFunction(stack, `${routeId(route)}Live`, {
      entry: route.handler,
      description: `${route.method} ${route.path} (live, response streaming)`,
      env: StreamEnv,
      environment,
      timeout: Duration.minutes(15),
    });
    for (const access of route.access) props.grant(access, fn.role);
    props.patSecret.grantRead(fn.role);
    const url = fn.fn.addFunctionUrl({
      authType: lambda.FunctionUrlAuthType.NONE,
      invokeMode: lambda.InvokeMode.RESPONSE_STREAM,
      // The UI calls it from its own origin, with a bearer token and, on a reconnect, Last-Event-ID.
      cors: {
        allowedOrigins: ['*'],
        allowedMethods: [lambda.HttpMethod.GET],
        allowedHeaders: ['authorization', 'last-event-id', 'cache-control', 'accept'],
        maxAge: Duration.hours(1),
      },
    });
    return { fn, url };
  }

  get url(): string {
    return `https://${this.api.apiId}.execute-api.${Stack.of(this).region}.${Stack.of(this).urlSuffix}/`;
  }
}

/** API Gateway answers preflights itself and adds the headers to every response, from the same lists as `npm start`. */
function corsPreflight(origins: string[]): apigw.CorsPreflightOptions {
  return {
    allowOrigins: origins,
    allowCredentials: allowsCredentials(origins),
    allowHeaders: [...CORS_ALLOW_HEADERS],
    allowMethods: CORS_ALLOW_METHODS.map((m) => apigw.CorsHttpMethod[m]),
    exposeHeaders: [...CORS_EXPOSE_HEADERS],
    maxAge: Duration.seconds(CORS_MAX_AGE_SECONDS),
  };
}

/**
 * The token authorizer, created once in the root stack (CDK's HttpLambdaAuthorizer creates itself in
 * the stack of the first route it is bound to, which would tie every family to that one).
 */
class RootAuthorizer extends Construct implements apigw.IHttpRouteAuthorizer {
  private authorizer?: apigw.HttpAuthorizer;

  constructor(scope: Construct, id: string, private readonly fn: ServiceFunction) {
    super(scope, id);
  }

  bindTo(api: apigw.HttpApi): void {
    const stack = Stack.of(this);
    this.authorizer = new apigw.HttpAuthorizer(this, 'Authorizer', {
      httpApi: api,
      authorizerName: 'TokenAuthorizer',
      type: apigw.HttpAuthorizerType.LAMBDA,
      identitySource: [],
      enableSimpleResponses: true,
      payloadFormatVersion: apigw.AuthorizerPayloadVersion.VERSION_2_0,
      authorizerUri: `arn:${stack.partition}:apigateway:${stack.region}:lambda:path/2015-03-31/functions/${this.fn.fn.functionArn}/invocations`,
      resultsCacheTtl: Duration.seconds(0),
    });
    this.fn.fn.addPermission('ApiGatewayInvoke', {
      scope: this,
      principal: new iam.ServicePrincipal('apigateway.amazonaws.com'),
      sourceArn: stack.formatArn({ service: 'execute-api', resource: api.apiId, resourceName: `authorizers/${this.authorizer.authorizerId}` }),
    });
  }

  bind(): apigw.HttpRouteAuthorizerConfig {
    if (!this.authorizer) throw new Error('the token authorizer is bound to the API before any route uses it');
    return { authorizerId: this.authorizer.authorizerId, authorizationType: 'CUSTOM' };
  }
}
