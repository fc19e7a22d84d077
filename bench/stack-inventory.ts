/**
 * What the deployed stack is made of, read from the CloudFormation template CDK synthesizes (without
 * bundling, as the infra tests do), so the cost model follows the stack as it is: alarms, keys,
 * secrets, function memory, the authorizer's cache, the executor's compute type, tracing.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { TerrakubeJobsStack } from '../infra/stack';
import { WORK } from './env';

type Resource = { Type: string; Properties?: Record<string, any> };

export interface StackInventory {
  resourceCounts: Record<string, number>;
  /** Resources per template (root and nested stacks), by template file. */
  templateResources: Record<string, number>;
  alarms: number;
  /** CloudWatch bills alarms per metric they evaluate: a metric-math alarm over ten metrics is ten. */
  alarmMetrics: number;
  /** Lambda event source mappings by source: SQS is polled (billed requests), DynamoDB streams are free to Lambda. */
  eventSources: { sqs: number; dynamoDbStream: number; other: number };
  customerManagedKeys: number;
  secrets: number;
  functions: number;
  /** MemorySize of the functions (MB → how many functions have it). */
  functionMemoryMb: Record<string, number>;
  architectures: string[];
  authorizerCacheTtlSeconds: number | undefined;
  codeBuildComputeTypes: string[];
  /** How long a plan may take for its apply to run in the same build (Advance's TERRAKUBE_CHAIN_WITHIN_SECONDS; 0: one build per step). */
  chainWithinSeconds: number;
  stateMachineTracing: boolean;
  dashboards: number;
  /** Functions with X-Ray active tracing. */
  tracedFunctions: number;
  /** Log groups by retention in days ('never' when unset). */
  logRetentionDays: Record<string, number>;
  synthMs: number;
}

export function stackInventory(): StackInventory {
  const started = performance.now();
  const outdir = join(WORK, 'cdk');
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new TerrakubeJobsStack(app, 'Bench', { env: { account: '123456789012', region: 'us-east-1' } });
  app.synth();
  // The root template and every nested stack's (logical ids are unique across them).
  const files = [`${stack.artifactId}.template.json`, ...readdirSync(outdir).filter((f) => f.endsWith('.nested.template.json'))];
  const templates = files.map((f) => JSON.parse(readFileSync(join(outdir, f), 'utf8')) as { Resources: Record<string, Resource> });
  const template = { Resources: Object.assign({}, ...templates.map((t) => t.Resources)) as Record<string, Resource> };
  const resources = Object.values(template.Resources);
  const ofType = (type: string) => resources.filter((r) => r.Type === type);
  const count = (items: (string | number | undefined)[]) => {
    const out: Record<string, number> = {};
    for (const i of items) out[String(i ?? 'default')] = (out[String(i ?? 'default')] ?? 0) + 1;
    return out;
  };
  const functions = ofType('AWS::Lambda::Function');
  const alarms = [...ofType('AWS::CloudWatch::Alarm'), ...ofType('AWS::CloudWatch::CompositeAlarm')];
  const alarmMetrics = alarms.reduce((sum, a) => sum + (Array.isArray(a.Properties?.Metrics) ? (a.Properties?.Metrics as { MetricStat?: unknown }[]).filter((m) => m.MetricStat).length : 1), 0);
  const sourceTypes = ofType('AWS::Lambda::EventSourceMapping').map((m) => {
    const ref = m.Properties?.EventSourceArn?.['Fn::GetAtt'] as [string, string] | undefined;
    const type = ref ? template.Resources[ref[0]]?.Type : undefined;
    return type === 'AWS::SQS::Queue' ? 'sqs' : ref?.[1] === 'StreamArn' ? 'dynamoDbStream' : 'other';
  });
  return {
    alarmMetrics,
    eventSources: {
      sqs: sourceTypes.filter((t) => t === 'sqs').length,
      dynamoDbStream: sourceTypes.filter((t) => t === 'dynamoDbStream').length,
      other: sourceTypes.filter((t) => t === 'other').length,
    },
    resourceCounts: count(resources.map((r) => r.Type)),
    templateResources: Object.fromEntries(files.map((f, i) => [f, Object.keys(templates[i]?.Resources ?? {}).length])),
    alarms: alarms.length,
    customerManagedKeys: ofType('AWS::KMS::Key').length,
    secrets: ofType('AWS::SecretsManager::Secret').length,
    functions: functions.length,
    functionMemoryMb: count(functions.map((f) => f.Properties?.MemorySize ?? 128)),
    architectures: [...new Set(functions.flatMap((f) => (f.Properties?.Architectures as string[] | undefined) ?? ['x86_64']))],
    authorizerCacheTtlSeconds: ofType('AWS::ApiGatewayV2::Authorizer')[0]?.Properties?.AuthorizerResultTtlInSeconds,
    codeBuildComputeTypes: ofType('AWS::CodeBuild::Project').map((p) => String(p.Properties?.Environment?.ComputeType)),
    chainWithinSeconds: Math.max(0, ...functions.map((f) => Number(f.Properties?.Environment?.Variables?.TERRAKUBE_CHAIN_WITHIN_SECONDS ?? 0))),
    stateMachineTracing: ofType('AWS::StepFunctions::StateMachine').some((s) => s.Properties?.TracingConfiguration?.Enabled === true),
    dashboards: ofType('AWS::CloudWatch::Dashboard').length,
    tracedFunctions: functions.filter((f) => f.Properties?.TracingConfig?.Mode === 'Active').length,
    logRetentionDays: count(ofType('AWS::Logs::LogGroup').map((g) => g.Properties?.RetentionInDays ?? 'never')),
    synthMs: performance.now() - started,
  };
}
