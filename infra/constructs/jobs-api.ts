/**
 * The HTTP API: one Lambda function per route and method of the shared route table, the token
 * authorizer in front of every bearer route, a `$default` route answering 404/405 as JSON:API, and
 * access logs. Each function gets only the grants its route declares.
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ApiEnv, AuthorizerEnv, NoEnv, type EnvironmentOf } from '../../shared/env';
import { AUTHORIZER_HANDLER, FALLBACK_HANDLER, ROUTES, routeId, type Access, type RouteDef } from '../../shared/routes';
import { acknowledge } from '../nag';
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
}

export class JobsApi extends Construct {
  readonly api: apigw.HttpApi;
  readonly authorizerFunction: ServiceFunction;
  readonly routeFunctions = new Map<RouteDef, ServiceFunction>();

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
    const authorizer = new HttpLambdaAuthorizer('TokenAuthorizer', this.authorizerFunction.fn, {
      responseTypes: [HttpLambdaResponseType.SIMPLE],
      identitySource: [],
      resultsCacheTtl: Duration.seconds(0),
    });

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

    for (const route of ROUTES) {
      const fn = new ServiceFunction(this, routeId(route), {
        entry: route.handler,
        description: `${route.method} ${route.path}`,
        env: ApiEnv,
        environment: props.environment,
      });
      for (const access of route.access) props.grant(access, fn.role);
      const [httpRoute] = this.api.addRoutes({
        path: route.path,
        methods: [route.method as apigw.HttpMethod],
        integration: new HttpLambdaIntegration(`${routeId(route)}Integration`, fn.fn),
        authorizer: route.auth === 'bearer' ? authorizer : new apigw.HttpNoneAuthorizer(),
      });
      if (route.auth === 'none' && httpRoute) {
        acknowledge(httpRoute, 'AwsSolutions-APIG4', route.publicReason ?? 'public route');
      }
      this.routeFunctions.set(route, fn);
    }
  }

  get url(): string {
    return `https://${this.api.apiId}.execute-api.${Stack.of(this).region}.${Stack.of(this).urlSuffix}/`;
  }
}
