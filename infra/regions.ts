/**
 * Where steps can run on CodeBuild's Lambda compute: a subset of the Regions CodeBuild serves (CodeBuild
 * User Guide, "Run builds on AWS Lambda compute", section "Which regions support AWS Lambda compute in
 * CodeBuild?"). Elsewhere a Lambda-compute project makes the deploy roll back, so the stack decides here,
 * before anything is created:
 * - a Region known at synth and outside the list: `executorCompute: 'lambda'` asked for explicitly
 *   fails the synth with the list; left to the default, the executor falls back to EC2 compute (with a
 *   synth warning saying so);
 * - a Region unknown at synth (an environment-agnostic `cdk synth`): a CloudFormation rule refuses the
 *   deploy of a Lambda-compute stack outside the list before any resource is created.
 */
import { Annotations, Aws, CfnRule, Fn, Token, type Stack } from 'aws-cdk-lib';
import type { ExecutorCompute } from './constructs/executor-project';

/** The one list: update it when CodeBuild adds Lambda compute to a Region. */
export const CODEBUILD_LAMBDA_COMPUTE_REGIONS: readonly string[] = [
  'us-east-1',
  'us-east-2',
  'us-west-2',
  'ap-south-1',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-northeast-1',
  'eu-central-1',
  'eu-west-1',
  'sa-east-1',
];

const listed = () => CODEBUILD_LAMBDA_COMPUTE_REGIONS.join(', ');

/** The executor's compute for the stack's Region (see above); adds the deploy-time rule when the Region is not known yet. */
export function executorComputeFor(stack: Stack, requested: ExecutorCompute | undefined): ExecutorCompute {
  const compute = requested ?? 'lambda';
  if (Token.isUnresolved(stack.region)) {
    if (compute === 'lambda') {
      new CfnRule(stack, 'ExecutorComputeRegion', {
        assertions: [
          {
            assert: Fn.conditionContains([...CODEBUILD_LAMBDA_COMPUTE_REGIONS], Aws.REGION),
            assertDescription: `CodeBuild Lambda compute (the default executorCompute) is available only in ${listed()}; deploy with -c executorCompute=ec2 in this Region, or synthesize with its name (CDK_DEFAULT_REGION) to fall back to EC2 compute.`,
          },
        ],
      });
    }
    return compute;
  }
  if (CODEBUILD_LAMBDA_COMPUTE_REGIONS.includes(stack.region)) return compute;
  if (requested === 'lambda') {
    throw new Error(`executorCompute 'lambda': CodeBuild Lambda compute is not available in ${stack.region} (only in ${listed()}); use executorCompute 'ec2' there`);
  }
  if (compute === 'lambda') {
    Annotations.of(stack).addWarningV2(
      'terrakube:executorComputeFallback',
      `CodeBuild Lambda compute is not available in ${stack.region}: steps run on EC2 compute (general1.small: up to the step timeout, default 1 h, tens of seconds to start each step, billed per minute).`,
    );
    return 'ec2';
  }
  return compute;
}
