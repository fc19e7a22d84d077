import { beforeAll, describe, expect, it } from 'vitest';
import { Match } from 'aws-cdk-lib/assertions';
import { ROUTES, WEBSOCKET_ROUTES } from '../../shared/routes';
import { sharedSynth, type SharedSynth } from '../helpers/shared-synth';
import { actionsOf } from '../helpers/template';

let synth: SharedSynth;
beforeAll(async () => {
  synth = await sharedSynth('default');
});

describe('the CDK stack', () => {
  it('passes cdk-nag AwsSolutions with reasoned acknowledgements only', () => {
    expect(synth.nagViolations).toEqual([]);
  });

  it('has one table: on demand, point-in-time recovery, encrypted, deletion-protected, TTL, three indexes', () => {
    synth.template.resourceCountIs('AWS::DynamoDB::GlobalTable', 1);
    synth.template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      SSESpecification: { SSEEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      GlobalSecondaryIndexes: ['gsi1', 'gsi2', 'gsi3'].map((IndexName) => Match.objectLike({ IndexName, Projection: { ProjectionType: 'ALL' } })),
      Replicas: [Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true }, DeletionProtectionEnabled: true })],
    });
    synth.template.hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Retain' });
  });

  it('lets deletion protection be switched off for throwaway stacks', async () => {
    const { template } = await sharedSynth('throwaway');
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', { Replicas: [Match.objectLike({ DeletionProtectionEnabled: false })] });
    template.hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Delete' });
  });

  it('creates one traced, source-mapped Node.js 22 arm64 function with JSON logs per route and method, plus authorizer, fallback and runner tasks', () => {
    const functions = Object.values(synth.template.findResources('AWS::Lambda::Function')) as { Properties: Record<string, any> }[];
    const descriptions = functions.map((f) => f.Properties.Description as string);
    for (const route of ROUTES) expect(descriptions.filter((d) => d === `${route.method} ${route.path}`), `${route.method} ${route.path}`).toHaveLength(1);
    // + authorizer and fallback, 6 runner tasks, the webhook processor, the schedule fire function, the live function of each stream route.
    const streams = ROUTES.filter((r) => r.transport === 'stream');
    // + the live status feed: one function per WebSocket route and the stream fan-out.
    expect(functions).toHaveLength(ROUTES.length + 2 + 6 + 1 + 1 + streams.length + WEBSOCKET_ROUTES.length + 1);
    for (const fn of functions) {
      // API Gateway invokes a stream route's snapshot handler (it cannot stream); its function URL, the live one.
      const snapshot = streams.some((r) => fn.Properties.Description === `${r.method} ${r.path}`);
      expect(fn.Properties).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], LoggingConfig: { LogFormat: 'JSON' }, Handler: snapshot ? 'index.snapshot' : 'index.handler' });
      // Traced, and stack traces name the TypeScript source (each bundle ships its source map).
      expect(fn.Properties.TracingConfig).toEqual({ Mode: 'Active' });
      expect(fn.Properties.Environment.Variables.NODE_OPTIONS).toMatch(/(^| )--enable-source-maps( |$)/);
    }
    for (const route of ROUTES) {
      synth.template.hasResourceProperties('AWS::Lambda::Function', {
        Description: `${route.method} ${route.path}`,
        ...(route.path.startsWith('/api/') ? { Environment: { Variables: Match.objectLike({ TABLE_NAME: Match.anyValue(), TERRAKUBE_MODE: 'aws' }) } } : {}),
      });
    }
  });

  it('routes every path and method, behind the token authorizer unless public', () => {
    for (const route of ROUTES) {
      synth.template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: `${route.method} ${route.path}`,
        AuthorizationType: route.auth === 'bearer' ? 'CUSTOM' : 'NONE',
      });
    }
    synth.template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: '$default' });
    synth.template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'REQUEST',
      EnableSimpleResponses: true,
      IdentitySource: [],
      AuthorizerResultTtlInSeconds: 0,
    });
    synth.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
    });
  });

  it('gives each function only the DynamoDB actions its route needs (no Scan anywhere)', () => {
    const read = ['dynamodb:BatchGetItem', 'dynamodb:ConditionCheckItem', 'dynamodb:GetItem', 'dynamodb:Query'];
    const write = ['dynamodb:BatchWriteItem', 'dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'];
    const logs = ['logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments'];
    // Routes without a token (health, the API description and its page) touch no data.
    for (const route of ROUTES.filter((r) => r.path.startsWith('/api/') && r.auth !== 'none')) {
      const actions = actionsOf(synth.template, `${route.method} ${route.path}`);
      expect(actions).not.toContain('dynamodb:Scan');
      expect(actions.filter((a) => a.startsWith('dynamodb:')), `${route.method} ${route.path}`).toEqual(
        // From the route's declared access: an action such as force-unlock only reads; the TFE API's constant routes (ping, discovery, motd, account) touch no table.
        [...new Set(route.access.includes('table:write') ? [...read, ...write] : route.access.includes('table:read') ? read : [])].sort(),
      );
      expect(actions).toEqual(expect.arrayContaining(logs));
    }
    for (const route of ROUTES.filter((r) => r.access.length === 0 && r.auth === 'none')) expect(actionsOf(synth.template, `${route.method} ${route.path}`), route.path).toEqual(logs);
    expect(actionsOf(synth.template, 'Verifies bearer tokens (PAT HS256 and OIDC RS256) for the HTTP API')).toEqual(
      expect.arrayContaining(['secretsmanager:GetSecretValue', ...logs]),
    );
  });

  it('keeps the PAT signing secret in Secrets Manager, not in any function environment', () => {
    synth.template.resourceCountIs('AWS::SecretsManager::Secret', 1);
    const functions = Object.values(synth.template.findResources('AWS::Lambda::Function')) as { Properties: { Environment?: { Variables: Record<string, unknown> } } }[];
    for (const fn of functions) expect(Object.keys(fn.Properties.Environment?.Variables ?? {})).not.toContain('TERRAKUBE_PAT_SECRET');
  });
});
