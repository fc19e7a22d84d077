/**
 * Defaults for every function of the service: Node.js 22 on arm64, bundled with esbuild (local, no
 * Docker; infra/function-bundles.ts) with source maps enabled, X-Ray tracing active, JSON logs into a
 * log group with a retention, and a role of its own that starts with nothing but the right to write
 * its own logs and traces. Each function then gets only the grants its route declares.
 */
import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import * as v from 'valibot';
import type { EnvSchema, EnvironmentOf } from '../../shared/env';
import { SOURCE_MAPS_NODE_OPTIONS } from '../bundling';
import { functionCode, HANDLER_FILE } from '../function-bundles';
import { acknowledge, acknowledgeWildcard } from '../nag';

export { REPO_ROOT } from '../function-bundles';

export interface ServiceFunctionProps<S extends EnvSchema> {
  /** Handler module, relative to the repository root. */
  entry: string;
  description: string;
  /** The schema (shared/env.ts) the function's code parses its environment with when it starts. */
  env: S;
  /** The environment, typed by that schema: leaving out a variable the function needs does not compile. */
  environment: EnvironmentOf<S>;
  timeout?: Duration;
  memorySize?: number;
  /** Concurrency reserved for this function (none by default). */
  reservedConcurrency?: number;
  /** The module's export Lambda invokes (default `handler`). */
  handlerExport?: string;
  /** Package files the code reads at run time (the route table's `packageFiles`). */
  packageFiles?: readonly string[];
}

export class ServiceFunction<S extends EnvSchema = EnvSchema> extends Construct {
  readonly fn: lambda.Function;
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: ServiceFunctionProps<S>) {
    super(scope, id);
    // The same check the function makes at start-up, made at synth (values may be tokens: still strings).
    const parsed = v.safeParse(props.env, props.environment);
    if (!parsed.success) throw new Error(`${id}: its environment lacks what its code reads: ${parsed.issues.map((i) => v.getDotPath(i)).join(', ')}`);
    const environment = parsed.output as Record<string, string | undefined>;
    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.description} (function role)`,
    });
    // logGroupArn already ends in ':*' (it is the ARN of the group's streams), so the streams are named
    // from the group's name: arn:…:log-group:NAME:log-stream:* (the IAM check of the cloud-assembly test caught this).
    const streams = Stack.of(this).formatArn({ service: 'logs', resource: 'log-group', resourceName: `${logGroup.logGroupName}:log-stream:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    this.role.addToPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [streams] }));
    acknowledgeWildcard(this.role, streams,
      'Lambda names its log streams at run time; the grant is limited to streams of this function\'s own log group.');
    this.fn = new lambda.Function(this, 'Function', {
      code: functionCode(props.entry, props.packageFiles),
      handler: `${HANDLER_FILE.replace(/\.mjs$/, '')}.${props.handlerExport ?? 'handler'}`,
      description: props.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 1024,
      timeout: props.timeout ?? Duration.seconds(15),
      reservedConcurrentExecutions: props.reservedConcurrency,
      role: this.role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      tracing: lambda.Tracing.ACTIVE,
      environment: { NODE_OPTIONS: `${SOURCE_MAPS_NODE_OPTIONS} --no-warnings`, ...definedOnly(environment) },
    });
    acknowledge(this.role, 'AwsSolutions-IAM5[Resource::*]', 'X-Ray accepts trace segments only with Resource "*" (xray:PutTraceSegments, xray:PutTelemetryRecords, added by CDK for active tracing).');
    acknowledge(this.fn, 'AwsSolutions-L1', 'The runtime is pinned to Node.js 22, the version the test suite and benchmarks run against; upgrades are deliberate.');
  }
}

const definedOnly = (env: Record<string, string | undefined>): Record<string, string> =>
  Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
