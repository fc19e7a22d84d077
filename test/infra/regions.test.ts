/**
 * The Region check (issue 19 item 6): CodeBuild Lambda compute exists in some Regions only (one list,
 * infra/regions.ts). Outside it the default falls back to EC2 compute with a warning, an explicit
 * `lambda` fails the synth, and an environment-agnostic synth carries a CloudFormation rule that refuses
 * the deploy before any resource is created. Built without synthesizing (construction is what decides).
 */
import { App, Stack } from 'aws-cdk-lib';
import type * as codebuild from 'aws-cdk-lib/aws-codebuild';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import { TerrakubeJobsStack, type TerrakubeJobsStackProps } from '../../infra/stack';
import { CODEBUILD_LAMBDA_COMPUTE_REGIONS } from '../../infra/regions';

function build(region: string | undefined, props: TerrakubeJobsStackProps = {}) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new TerrakubeJobsStack(app, 'Region', { env: region ? { account: '123456789012', region } : undefined, ...props });
  const project = stack.resolve((stack.runner.executor.node.defaultChild as codebuild.CfnProject).environment) as { type: string; computeType: string };
  const warnings = stack.node.metadata.filter((m) => m.type === 'aws:cdk:warning').map((m) => String(m.data));
  const rule = stack.node.tryFindChild('ExecutorComputeRegion');
  return { stack, compute: project.type, warnings, rule: rule ? (Stack.of(stack).resolve((rule as unknown as { _toCloudFormation(): unknown })._toCloudFormation()) as Record<string, any>) : undefined };
}

describe('the executor compute by Region', () => {
  it('runs on Lambda compute in the Regions that have it', () => {
    expect(CODEBUILD_LAMBDA_COMPUTE_REGIONS).toContain('eu-west-1');
    const { compute, warnings, rule } = build('eu-west-1');
    expect([compute, warnings, rule]).toEqual(['ARM_LAMBDA_CONTAINER', [], undefined]);
  });

  it('falls back to EC2 compute elsewhere, saying so, with the EC2 step timeout', () => {
    const { stack, compute, warnings } = build('eu-west-2');
    expect(compute).toBe('LINUX_CONTAINER');
    expect(warnings.join('\n')).toMatch(/Lambda compute is not available in eu-west-2: steps run on EC2 compute/);
    const advance = stack.runner.functions.advance.fn.node.defaultChild as lambda.CfnFunction;
    expect(stack.resolve(advance.environment)).toMatchObject({ variables: { TERRAKUBE_STEP_TIMEOUT_SECONDS: '3600' } });
  });

  it('fails the synth when Lambda compute is asked for where it does not exist', () => {
    expect(() => build('eu-west-2', { executorCompute: 'lambda' })).toThrow(/CodeBuild Lambda compute is not available in eu-west-2 \(only in us-east-1, .*\); use executorCompute 'ec2'/);
  });

  it('refuses the deploy outside those Regions when the Region is unknown at synth', () => {
    const { rule } = build(undefined);
    const rules = rule?.Rules?.ExecutorComputeRegion;
    expect(rules.Assertions[0].Assert).toEqual({ 'Fn::Contains': [[...CODEBUILD_LAMBDA_COMPUTE_REGIONS], { Ref: 'AWS::Region' }] });
    expect(rules.Assertions[0].AssertDescription).toMatch(/only in us-east-1, .*deploy with -c executorCompute=ec2/);
    expect(build(undefined, { executorCompute: 'ec2' }).rule).toBeUndefined();
  });
});
