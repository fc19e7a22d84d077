/**
 * The CodeBuild project that runs one step of a job (the executor). Two computes:
 * - `lambda` (default): CodeBuild on Lambda, arm64, 2 GB. Starts in seconds and bills per second, which
 *   is what keeps a job's start fast and a short plan cheap; a build lasts at most 15 minutes, so a
 *   step's timeout is capped at LAMBDA_MAX_STEP_SECONDS.
 * - `ec2`: the standard x86 image on general1.small. Starts in tens of seconds and bills per minute,
 *   for steps that need longer than the Lambda cap.
 * The bucket grants are the runner's (it owns the artifact prefixes); this construct owns the build.
 */
import { ArnFormat, DockerImage, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import { buildSync } from 'esbuild';
import { join } from 'node:path';
import { ESBUILD_OPTIONS } from '../bundling';
import { acknowledge, acknowledgeWildcard } from '../nag';
import { EXECUTE_MARGIN_SECONDS } from '../state-machine';
import { BUILD_OVERHEAD_SECONDS, LAMBDA_BUILD_SECONDS } from '../run-states';
import { executorBuildSpec } from './executor-buildspec';
import { REPO_ROOT } from './service-function';

export type ExecutorCompute = 'lambda' | 'ec2';

/** A Lambda-compute build ends at 15 minutes; a minute of it goes to install, checkout and upload. */
export const LAMBDA_MAX_STEP_SECONDS = LAMBDA_BUILD_SECONDS - BUILD_OVERHEAD_SECONDS.lambda;

export interface ExecutorProjectProps {
  compute: ExecutorCompute;
  stepSeconds: number;
  artifactBucketName: string;
}

export class ExecutorProject extends Construct {
  readonly project: codebuild.Project;

  constructor(scope: Construct, id: string, props: ExecutorProjectProps) {
    super(scope, id);
    const lambdaCompute = props.compute === 'lambda';
    if (lambdaCompute && props.stepSeconds > LAMBDA_MAX_STEP_SECONDS) {
      throw new Error(`a step timeout of ${props.stepSeconds} s needs executorCompute 'ec2': Lambda compute caps a step at ${LAMBDA_MAX_STEP_SECONDS} s`);
    }
    const code = new s3assets.Asset(this, 'Code', {
      path: join(REPO_ROOT, 'executor'),
      bundling: {
        image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:22-slim'),
        local: {
          tryBundle(outputDir: string) {
            buildSync({ ...ESBUILD_OPTIONS, entryPoints: [join(REPO_ROOT, 'executor', 'main.ts')], outfile: join(outputDir, 'executor.mjs'), logLevel: 'error' });
            return true;
          },
        },
      },
    });
    this.project = new codebuild.Project(this, 'Project', {
      description: 'Runs one terraform/tofu or script step of a job',
      source: codebuild.Source.s3({ bucket: code.bucket, path: code.s3ObjectKey }),
      environment: lambdaCompute
        ? { buildImage: codebuild.LinuxArmLambdaBuildImage.AMAZON_LINUX_2023_NODE_22, computeType: codebuild.ComputeType.LAMBDA_2GB }
        : { buildImage: codebuild.LinuxBuildImage.STANDARD_7_0, computeType: codebuild.ComputeType.SMALL },
      environmentVariables: {
        TK_RESULT_ENV: { value: 'result.env' },
        TK_KILL_GRACE_MS: { value: '10000' },
      },
      buildSpec: codebuild.BuildSpec.fromObject(executorBuildSpec(props.compute)),
      // A log group of its own with a retention (CodeBuild's default one, /aws/codebuild/NAME, never expires).
      logging: { cloudWatch: { logGroup: new logs.LogGroup(this, 'BuildLogs', { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY }) } },
      // Lambda compute has no build timeout setting (its limit is fixed); the executor's own step
      // timeout fires first either way.
      timeout: lambdaCompute ? undefined : Duration.seconds(props.stepSeconds + EXECUTE_MARGIN_SECONDS),
      // The AWS managed key: encrypted at rest without a customer key billed every month.
      encryptionKey: kms.Alias.fromAliasName(this, 'S3ManagedKey', 'alias/aws/s3'),
    });
    const stack = Stack.of(this);
    acknowledgeWildcard(this.project, stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: `/aws/codebuild/${this.project.projectName}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
      'CodeBuild names log streams per build; the grant is limited to this project\'s log group.');
    acknowledgeWildcard(this.project, stack.formatArn({ service: 'codebuild', resource: 'report-group', resourceName: `${this.project.projectName}-*` }), 'CDK default: report groups of this project only.');
    acknowledge(this.project, 'AwsSolutions-IAM5[Action::s3:GetObject*]', 'CDK grants the build read access to its own source asset object.');
    acknowledge(this.project, 'AwsSolutions-IAM5[Action::s3:GetBucket*]', 'CDK grants the build read access to its own source asset object.');
    acknowledge(this.project, 'AwsSolutions-IAM5[Action::s3:List*]', 'CDK grants the build read access to its own source asset object.');
  }
}
