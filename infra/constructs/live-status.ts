/**
 * The live status feed in AWS (the Terrakube UI's `/subscriptions`): an API Gateway WebSocket API whose
 * routes (shared/routes.ts WEBSOCKET_ROUTES) keep the graphql-ws connections and subscriptions in the
 * table, and a consumer of the table's stream, filtered to job items, that pushes each job status change
 * to the subscribers through the stage's management API. Nothing polls: while nobody is connected and
 * no job moves, nothing runs. In a nested stack of its own, so the root template keeps its headroom.
 */
import { Duration, NestedStack, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { FanOutEnv, LiveEnv, type EnvironmentOf } from '../../shared/env';
import { LIVE_FAN_OUT_HANDLER, WEBSOCKET_ROUTES } from '../../shared/routes';
import { acknowledge, acknowledgeWildcard } from '../nag';
import type { JobsTable } from './jobs-table';
import { ServiceFunction } from './service-function';

export interface LiveStatusProps {
  table: JobsTable;
  patSecret: secretsmanager.ISecret;
  /** The token settings the HTTP authorizer has (admin group, OIDC). */
  environment: EnvironmentOf<typeof LiveEnv>;
  /** Where stream batches that keep failing go (the runner's dead-letter queue, alarmed). */
  deadLetters: sqs.IQueue;
}

export const LIVE_STAGE = 'live';

export class LiveStatus extends Construct {
  readonly api: apigw.WebSocketApi;
  readonly stage: apigw.WebSocketStage;
  readonly functions = new Map<string, ServiceFunction>();

  constructor(scope: Construct, id: string, props: LiveStatusProps) {
    super(scope, id);
    const stack = new NestedStack(this, 'Stack', { description: 'Terrakube Jobs API: live job status (graphql-ws over a WebSocket API)' });
    const fn = (name: string, entry: string) => {
      const f = new ServiceFunction(stack, name, { entry, description: `Live job status: ${name}`, env: LiveEnv, environment: props.environment, timeout: Duration.seconds(10) });
      this.functions.set(name, f);
      return f;
    };
    const routes = WEBSOCKET_ROUTES.map((r) => ({ route: r, fn: fn(r.name, r.handler) }));
    const integration = (r: (typeof routes)[number]) => ({ integration: new WebSocketLambdaIntegration(`${r.route.name}Integration`, r.fn.fn) });
    const byKey = (key: string) => routes.find((r) => r.route.routeKey === key)!;
    this.api = new apigw.WebSocketApi(stack, 'Api', {
      description: 'Terrakube Jobs API: live job status (/subscriptions, graphql-transport-ws)',
      connectRouteOptions: integration(byKey('$connect')),
      disconnectRouteOptions: integration(byKey('$disconnect')),
      defaultRouteOptions: integration(byKey('$default')),
    });
    for (const key of ['$connect', '$disconnect', '$default']) {
      const child = this.api.node.tryFindChild(`${key}-Route`);
      if (child)
        acknowledge(child, 'AwsSolutions-APIG4',
          'A browser cannot send headers on a WebSocket upgrade: the bearer token comes in graphql-ws connection_init and is verified by the message function (as the HTTP authorizer verifies it) before any subscription; nothing is read or sent before.');
    }
    const accessLogs = new logs.LogGroup(stack, 'AccessLogs', { retention: logs.RetentionDays.THREE_MONTHS, removalPolicy: RemovalPolicy.DESTROY });
    this.stage = new apigw.WebSocketStage(stack, 'Stage', {
      webSocketApi: this.api,
      stageName: LIVE_STAGE,
      autoDeploy: true,
      throttle: { rateLimit: 100, burstLimit: 200 },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({ requestId: '$context.requestId', ip: '$context.identity.sourceIp', time: '$context.requestTime', route: '$context.routeKey', status: '$context.status', connection: '$context.connectionId', integrationError: '$context.integrationErrorMessage' }),
        ),
      },
    });

    for (const { route, fn: f } of routes) {
      for (const access of route.access) {
        if (access === 'table:read') props.table.grantRead(f.role);
        else if (access === 'table:write') props.table.grantWrite(f.role);
        else if (access === 'tokens:verify') props.patSecret.grantRead(f.role);
        else this.grantPost(f);
      }
    }

    const fanOutEnvironment: EnvironmentOf<typeof FanOutEnv> = { TABLE_NAME: props.environment.TABLE_NAME, TERRAKUBE_MODE: 'aws', LIVE_ENDPOINT: this.managementUrl };
    const fanOut = new ServiceFunction(stack, 'LiveFanOut', {
      entry: LIVE_FAN_OUT_HANDLER,
      description: 'Live job status: pushes job status changes from the table stream to the subscribers',
      env: FanOutEnv,
      environment: fanOutEnvironment,
      timeout: Duration.seconds(30),
    });
    this.functions.set('LiveFanOut', fanOut);
    props.table.grantRead(fanOut.role);
    // It forgets connections API Gateway says are gone.
    props.table.grantWrite(fanOut.role);
    this.grantPost(fanOut);
    fanOut.fn.addEventSource(
      new DynamoEventSource(props.table.table, {
        startingPosition: lambda.StartingPosition.LATEST,
        batchSize: 100,
        maxBatchingWindow: Duration.millis(0),
        // A status push is only worth something now: a few retries, then the batch is set aside.
        retryAttempts: 2,
        bisectBatchOnError: true,
        onFailure: new SqsDlq(props.deadLetters),
        filters: [lambda.FilterCriteria.filter({ eventName: lambda.FilterRule.or('INSERT', 'MODIFY'), dynamodb: { Keys: { sk: { S: [{ prefix: 'JOB#' }] } } } })],
      }),
    );
  }

  /** wss://… the UI connects to (its REACT_APP_TERRAKUBE_API_URL origin serves /subscriptions: see the README). */
  get url(): string {
    return `wss://${this.api.apiId}.execute-api.${Stack.of(this).region}.${Stack.of(this).urlSuffix}/${LIVE_STAGE}`;
  }

  get managementUrl(): string {
    return `https://${this.api.apiId}.execute-api.${Stack.of(this.api).region}.${Stack.of(this.api).urlSuffix}/${LIVE_STAGE}`;
  }

  /** PostToConnection / DeleteConnection on this stage's connections only. */
  private grantPost(f: ServiceFunction): void {
    this.stage.grantManagementApiAccess(f.role);
    const connections = Stack.of(this.api).formatArn({ service: 'execute-api', resource: this.api.apiId, resourceName: `${LIVE_STAGE}/*/@connections/*` });
    acknowledgeWildcard(f.role, connections, "Connections are created by clients at run time; the grant covers this stage's connections only.");
  }
}
