/**
 * Defaults for every function of the service: Node.js 22 on arm64, bundled with esbuild (local, no
 * Docker), JSON logs into a log group with a retention, and a role of its own that starts with nothing
 * but the right to write its own logs. Each function then gets only the grants its route declares.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { resolve } from 'node:path';
import * as v from 'valibot';
import type { EnvSchema, EnvironmentOf } from '../../shared/env';
import { ESM_REQUIRE_SHIM, NODE_TARGET } from '../bundling';
import { acknowledge, acknowledgeWildcard } from '../nag';

export const REPO_ROOT = resolve(import.meta.dirname, '..', '..');

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
}

export class ServiceFunction<S extends EnvSchema = EnvSchema> extends Construct {
  readonly fn: NodejsFunction;
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
    this.role.addToPolicy(
      new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [`${logGroup.logGroupArn}:log-stream:*`] }),
    );
    acknowledgeWildcard(this.role, `${logGroup.logGroupArn}:log-stream:*`,
      'Lambda names its log streams at run time; the grant is limited to streams of this function\'s own log group.');
    this.fn = new NodejsFunction(this, 'Function', {
      entry: resolve(REPO_ROOT, props.entry),
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: resolve(REPO_ROOT, 'package-lock.json'),
      description: props.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 1024,
      timeout: props.timeout ?? Duration.seconds(15),
      role: this.role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      environment: { NODE_OPTIONS: '--no-warnings', ...definedOnly(environment) },
      bundling: {
        format: OutputFormat.ESM,
        target: NODE_TARGET,
        minify: true,
        sourceMap: false,
        mainFields: ['module', 'main'],
        banner: ESM_REQUIRE_SHIM,
        externalModules: [],
      },
    });
    acknowledge(this.fn, 'AwsSolutions-L1', 'The runtime is pinned to Node.js 22, the version the test suite and benchmarks run against; upgrades are deliberate.');
  }
}

const definedOnly = (env: Record<string, string | undefined>): Record<string, string> =>
  Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
