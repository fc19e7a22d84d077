/** The whole service: a root stack built from one construct per concern, the routes in nested stacks per family. */
import { CfnOutput, Fn, Stack, type StackProps } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { ApiEnv, EnvironmentOf, ProcessorEnv } from '../shared/env';
import { routeId, type Access, type RouteDef } from '../shared/routes';
import { JobsApi } from './constructs/jobs-api';
import { type ExecutorCompute, LAMBDA_MAX_STEP_SECONDS } from './constructs/executor-project';
import { JobRunner } from './constructs/job-runner';
import { JobsTable } from './constructs/jobs-table';
import { LiveStatus } from './constructs/live-status';
import { ServiceAlarms } from './constructs/service-alarms';
import { ServiceDashboard } from './constructs/service-dashboard';
import { Schedules } from './constructs/schedules';
import { Webhooks } from './constructs/webhooks';
import { acknowledge } from './nag';
import { executorComputeFor } from './regions';

export interface TerrakubeJobsStackProps extends StackProps {
  /** Group whose members are administrators (default TERRAKUBE_ADMIN). */
  adminGroup?: string;
  /** OIDC issuer and audience for RS256 tokens (the production identity path). */
  oidc?: { issuer: string; audience: string };
  /** Protect the table from deletion (default true). */
  tableDeletionProtection?: boolean;
  /**
   * Where terraform steps run (default `lambda`: CodeBuild on Lambda, starts in seconds, billed per
   * second, steps up to 14 min; `ec2`: CodeBuild general1.small, for longer steps). Lambda compute
   * exists in some Regions only (infra/regions.ts): elsewhere the default falls back to `ec2`.
   */
  executorCompute?: ExecutorCompute;
  /**
   * A step is killed after stepSeconds (default 840 s on Lambda compute, 1 h on EC2); an approval not
   * given within approvalSeconds fails the job (default 24 h). A plan's apply runs in the plan's build
   * only when its full step time fits in it (infra/run-states.ts chainWithinSeconds): on Lambda compute,
   * with steps of at most 780 s.
   */
  timeouts?: { stepSeconds?: number; approvalSeconds?: number };
  /** Reserved concurrency for each job run task function (default none; see JobRunnerProps.taskConcurrency). */
  runnerTaskConcurrency?: number;
  /** Who gets the alarm notifications (optional; the SNS topic exists either way). */
  alarmEmail?: string;
  /** The routes to serve (default: the route table; tests add routes to prove the stack's headroom). */
  routes?: readonly RouteDef[];
  /** Browser origins allowed to call the API (the Terrakube UI's), answered by the HTTP API's CORS configuration. */
  corsOrigins?: string[];
  /**
   * The issuer of workload identity tokens (https://…, no trailing slash), when the API has a custom
   * domain: a cloud's OIDC provider is registered for this URL. Default: the API's execute-api URL.
   */
  workloadIdentityIssuer?: string;
}

export class TerrakubeJobsStack extends Stack {
  readonly table: JobsTable;
  readonly api: JobsApi;
  readonly runner: JobRunner;
  readonly webhooks: Webhooks;
  readonly schedules: Schedules;
  readonly alarms: ServiceAlarms;
  readonly live: LiveStatus;

  constructor(scope: Construct, id: string, props: TerrakubeJobsStackProps = {}) {
    super(scope, id, props);
    const adminGroup = props.adminGroup ?? 'TERRAKUBE_ADMIN';
    const executorCompute = executorComputeFor(this, props.executorCompute);
    this.table = new JobsTable(this, 'Data', { deletionProtection: props.tableDeletionProtection });

    const patSecret = new secretsmanager.Secret(this, 'PatSecret', {
      description: 'Signs Terrakube personal access tokens (HS256). Rotating it invalidates every issued PAT.',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    acknowledge(patSecret, 'AwsSolutions-SMG4',
      'Rotating the PAT signing secret revokes every personal access token at once; it is rotated on demand, not on a schedule.');

    const baseEnvironment = { TABLE_NAME: this.table.table.tableName, TERRAKUBE_MODE: 'aws' } as const;
    this.runner = new JobRunner(this, 'Runner', {
      table: this.table,
      environment: baseEnvironment,
      timeouts: { stepSeconds: props.timeouts?.stepSeconds ?? (executorCompute === 'lambda' ? LAMBDA_MAX_STEP_SECONDS : 3600), approvalSeconds: props.timeouts?.approvalSeconds ?? 86_400 },
      executorCompute,
      retainData: props.tableDeletionProtection ?? true,
      taskConcurrency: props.runnerTaskConcurrency,
    });
    const processorEnvironment: EnvironmentOf<typeof ProcessorEnv> = { ...baseEnvironment, STATE_MACHINE_ARN: this.runner.stateMachineArn };
    this.webhooks = new Webhooks(this, 'Webhooks', { table: this.table, environment: processorEnvironment, stateMachineArn: this.runner.stateMachineArn });
    this.schedules = new Schedules(this, 'Schedules', { table: this.table, environment: processorEnvironment, stateMachineArn: this.runner.stateMachineArn });
    const environment: EnvironmentOf<typeof ApiEnv> = {
      ...processorEnvironment,
      SCHEDULE_GROUP: this.schedules.group.scheduleGroupName,
      SCHEDULE_TARGET_ARN: this.schedules.fire.fn.functionArn,
      SCHEDULER_ROLE_ARN: this.schedules.invokeRole.roleArn,
      SCHEDULE_DEAD_LETTER_ARN: this.schedules.deadLetters.queueArn,
      ARTIFACT_BUCKET: this.runner.artifacts.bucket.bucketName,
      WEBHOOK_KEY_ID: this.webhooks.key.keyArn,
      WEBHOOK_PROCESSOR_FUNCTION: this.webhooks.processor.fn.functionName,
      WORKLOAD_IDENTITY_KEY_ID: this.runner.identityKey.keyArn,
      ...(props.workloadIdentityIssuer ? { TERRAKUBE_ISSUER_URL: props.workloadIdentityIssuer } : {}),
    };

    const grant = (access: Access, grantee: iam.IGrantable) => {
      switch (access) {
        case 'table:read':
          return this.table.grantRead(grantee);
        case 'table:write':
          return this.table.grantWrite(grantee);
        case 'runs:start':
          return this.runner.grantStart(grantee);
        case 'runs:control':
          return this.runner.grantControl(grantee);
        case 'logs:read':
          return this.runner.grantLogRead(grantee);
        case 'logs:delete':
          return this.runner.grantJobCleanup(grantee);
        case 'webhooks:seal':
          return this.webhooks.grantSeal(grantee);
        case 'webhooks:receive':
          return this.webhooks.grantReceive(grantee);
        case 'state:unlock':
          return this.runner.grantStateUnlock(grantee);
        case 'schedules:manage':
          return this.schedules.grantManage(grantee);
        case 'state:read':
          return this.runner.grantStateRead(grantee);
        case 'state:write':
          return this.runner.grantStateWrite(grantee);
        case 'configurations:upload':
          return this.runner.grantConfigurationUpload(grantee);
        case 'identity:publish':
          return this.runner.grantIdentityPublish(grantee);
      }
    };

    this.api = new JobsApi(this, 'Api', { adminGroup, patSecret, oidc: props.oidc, environment, grant, routes: props.routes, corsOrigins: props.corsOrigins });
    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL of the Jobs API' });
    // The issuer of the steps' workload identity tokens: the custom domain given, else the API's own URL.
    const issuer = props.workloadIdentityIssuer ?? Fn.join('', ['https://', this.api.api.apiId, '.execute-api.', this.region, '.', this.urlSuffix]);
    this.runner.functions.advance.fn.addEnvironment('TERRAKUBE_ISSUER_URL', issuer);
    new CfnOutput(this, 'WorkloadIdentityIssuer', { value: issuer, description: 'Issuer of the workload identity tokens: the URL of the OIDC provider a cloud trusts (README: workload identity)' });
    for (const [route, { url }] of this.api.liveStreams) {
      new CfnOutput(this, `${routeId(route)}Url`, {
        value: url.url,
        description: 'Base URL of the live step log streams (…/tfoutput/v1/organization/{org}/job/{job}/step/{step}/stream); API Gateway cannot stream',
      });
    }

    this.live = new LiveStatus(this, 'Live', {
      table: this.table,
      patSecret,
      deadLetters: this.runner.deadLetters,
      environment: {
        TABLE_NAME: this.table.table.tableName,
        TERRAKUBE_MODE: 'aws',
        TERRAKUBE_ADMIN_GROUP: adminGroup,
        PAT_SECRET_ARN: patSecret.secretArn,
        ...(props.oidc ? { TERRAKUBE_OIDC_ISSUER: props.oidc.issuer, TERRAKUBE_OIDC_AUDIENCE: props.oidc.audience } : {}),
      },
    });
    new CfnOutput(this, 'LiveStatusUrl', { value: this.live.url, description: 'The live job status WebSocket (graphql-transport-ws) the Terrakube UI subscribes to' });

    this.alarms = new ServiceAlarms(this, 'Alarms', {
      api: this.api.api,
      stateMachine: this.runner.stateMachine,
      // The schedules' dead-letter queue is not alarmed: a fire that fails in its function shows in the Lambda errors alarm, and one more alarm metric would leave the free tier of 10.
      deadLetterQueues: [this.runner.deadLetters, this.webhooks.deadLetters],
      table: this.table.table,
      email: props.alarmEmail,
    });
    new ServiceDashboard(this, 'Dashboard', { api: this.api.api, stateMachine: this.runner.stateMachine, alarms: this.alarms.alarms });
    new CfnOutput(this, 'AlarmTopic', { value: this.alarms.topic.topicArn, description: 'SNS topic of the service alarms' });
  }
}
