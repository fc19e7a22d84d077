/**
 * Job runs in AWS (contract §4): one Step Functions execution per job, terraform steps in CodeBuild
 * (startBuild.sync), logs/plans/state in S3, and the event-driven edges around them: EventBridge tells
 * when a build starts (step running) and when an execution dies (job failed), and the table's stream
 * makes sure every job handed a workspace gets its execution.
 */
import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { RunnerEnv, type EnvironmentOf } from '../../shared/env';
import { acknowledge, acknowledgeWildcard } from '../nag';
import { executionTimeout, jobRunDefinition, RUNNER_FUNCTION_TIMEOUT_SECONDS, type RunTimeouts } from '../state-machine';
import { chainWithinSeconds } from '../run-states';
import { S3_LOCK_SUFFIX } from '../../shared/runs/state-lock';
import { ArtifactsBucket } from './artifacts-bucket';
import type { JobsTable } from './jobs-table';
import { type ExecutorCompute, ExecutorProject } from './executor-project';
import { ServiceFunction } from './service-function';

export interface JobRunnerProps {
  table: JobsTable;
  /** The table the run's functions work on (the rest of their environment is the runner's own). */
  environment: Pick<EnvironmentOf<typeof RunnerEnv>, 'TABLE_NAME' | 'TERRAKUBE_MODE'>;
  timeouts: RunTimeouts;
  retainData: boolean;
  executorCompute: ExecutorCompute;
  /**
   * Reserved concurrency for each state machine task function (default none: a new account's Lambda
   * quota is 10 concurrent executions and Lambda refuses reservations that leave fewer than 100
   * unreserved, so the default must deploy anywhere; the tasks retry Lambda throttles instead).
   */
  taskConcurrency?: number;
}

export class JobRunner extends Construct {
  readonly stateMachineName: string;
  readonly stateMachineArn: string;
  readonly artifacts: ArtifactsBucket;
  readonly deadLetters: sqs.Queue;
  readonly stateMachine: sfn.StateMachine;
  readonly executor: codebuild.Project;
  /** Signs the steps' workload identity tokens (RS256); its public key is the JWKS. */
  readonly identityKey: kms.Key;
  readonly functions: Record<'advance' | 'awaitApproval' | 'recordFailure' | 'executionEnded' | 'stepStarted' | 'startClaimed', ServiceFunction>;

  constructor(scope: Construct, id: string, props: JobRunnerProps) {
    super(scope, id);
    const stack = Stack.of(this);
    // Named up front so functions can carry the ARN without a dependency cycle (the machine calls them).
    this.stateMachineName = `${stack.stackName}-JobRun`;
    this.stateMachineArn = stack.formatArn({ service: 'states', resource: 'stateMachine', resourceName: this.stateMachineName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    this.artifacts = new ArtifactsBucket(this, 'Artifacts', { retain: props.retainData });
    this.deadLetters = new sqs.Queue(this, 'DeadLetters', { enforceSSL: true, encryption: sqs.QueueEncryption.SQS_MANAGED, retentionPeriod: Duration.days(14) });
    acknowledge(this.deadLetters, 'AwsSolutions-SQS3', 'This queue is the dead-letter queue of the run events and the table stream; it has no DLQ of its own.');

    this.identityKey = new kms.Key(this, 'WorkloadIdentityKey', {
      description: 'Signs the workload identity tokens of job steps (RS256); the JWKS route publishes its public key',
      keySpec: kms.KeySpec.RSA_2048,
      keyUsage: kms.KeyUsage.SIGN_VERIFY,
      removalPolicy: props.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    acknowledge(this.identityKey, 'AwsSolutions-KMS5', 'An asymmetric KMS key cannot rotate automatically; a new key is published in the JWKS beside the old one when rotated by hand.');
    const chainWithin = chainWithinSeconds(props.timeouts, props.executorCompute);
    const env: EnvironmentOf<typeof RunnerEnv> = {
      ...props.environment,
      WORKLOAD_IDENTITY_KEY_ID: this.identityKey.keyArn,
      STATE_MACHINE_ARN: this.stateMachineArn,
      ARTIFACT_BUCKET: this.artifacts.bucket.bucketName,
      TERRAKUBE_STEP_TIMEOUT_SECONDS: String(props.timeouts.stepSeconds),
      TERRAKUBE_APPROVAL_TIMEOUT_SECONDS: String(props.timeouts.approvalSeconds),
      // Advance chains a plan's apply to its build only when the apply's full step time fits in it.
      ...(chainWithin > 0 ? { TERRAKUBE_CHAIN_WITHIN_SECONDS: String(chainWithin) } : {}),
    };
    const fn = (name: string, entry: string, description: string, reservedConcurrency?: number) =>
      new ServiceFunction(this, name, {
        entry: `functions/runner/${entry}.ts`,
        description,
        env: RunnerEnv,
        environment: env,
        timeout: Duration.seconds(RUNNER_FUNCTION_TIMEOUT_SECONDS),
        reservedConcurrency,
      });
    // The state machine's tasks may get concurrency of their own (props.taskConcurrency), so a burst of
    // API calls can never starve running jobs.
    const task = props.taskConcurrency;
    this.functions = {
      advance: fn('Advance', 'advance', 'Job run task: records the last step result and picks the next action', task),
      awaitApproval: fn('AwaitApproval', 'await-approval', 'Job run task: parks a job in waitingApproval with its task token', task),
      recordFailure: fn('RecordFailure', 'record-failure', 'Job run task: ends a job failed and frees its workspace', task),
      executionEnded: fn('ExecutionEnded', 'execution-ended', 'Fails the job of an execution that ended abnormally'),
      stepStarted: fn('StepStarted', 'step-started', 'Marks a step running when its executor build starts'),
      startClaimed: fn('StartClaimed', 'start-claimed', 'Makes sure a job handed a workspace has its execution'),
    };
    for (const name of ['advance', 'awaitApproval', 'recordFailure', 'executionEnded', 'stepStarted'] as const) {
      props.table.grantRead(this.functions[name].role);
      props.table.grantWrite(this.functions[name].role);
    }
    for (const name of ['advance', 'recordFailure', 'executionEnded', 'startClaimed'] as const) this.grantStart(this.functions[name].role);
    this.grantStepMinting(this.functions.advance.role);

    this.executor = new ExecutorProject(this, 'Executor', {
      compute: props.executorCompute,
      stepSeconds: props.timeouts.stepSeconds,
      artifactBucketName: this.artifacts.bucket.bucketName,
    }).project;
    this.isolateExecutor(this.executor);
    this.stateMachine = new sfn.StateMachine(this, 'JobRun', {
      stateMachineName: this.stateMachineName,
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(
        jobRunDefinition(new Construct(this, 'States'), { advance: this.functions.advance.fn, awaitApproval: this.functions.awaitApproval.fn, recordFailure: this.functions.recordFailure.fn, executor: this.executor }, props.timeouts),
      ),
      timeout: executionTimeout(props.timeouts),
      tracingEnabled: true,
      // Execution data stays out of the logs: it is the job's identity and step references anyway.
      logs: { destination: this.runLogs(), level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
    acknowledge(this.stateMachine.role, 'AwsSolutions-IAM5[Resource::*]', 'Step Functions log delivery and X-Ray tracing only accept Resource "*" (CDK-generated statements).');
    for (const task of [this.functions.advance, this.functions.awaitApproval, this.functions.recordFailure]) {
      acknowledgeWildcard(this.stateMachine.role, `${task.fn.functionArn}:*`, 'CDK lets the state machine invoke the versions of its own task functions.');
    }

    this.eventEdges(props.table);
  }

  /**
   * The state machine's log group. Step Functions logs through CloudWatch Logs' log delivery, whose
   * permission to write is a CloudWatch Logs resource policy: under /aws/vendedlogs/ the account's
   * policies stay within their size limit however many such groups exist, and the statement here
   * (this group's streams, this account's deliveries) is the stack's own rather than one log delivery
   * would add outside CloudFormation.
   */
  private runLogs(): logs.LogGroup {
    const stack = Stack.of(this);
    const group = new logs.LogGroup(this, 'RunLogs', {
      logGroupName: `/aws/vendedlogs/states/${this.stateMachineName}`,
      retention: logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    new logs.ResourcePolicy(this, 'RunLogsDelivery', {
      policyStatements: [
        new iam.PolicyStatement({
          sid: 'StepFunctionsLogDelivery',
          principals: [new iam.ServicePrincipal('delivery.logs.amazonaws.com')],
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [group.logGroupArn],
          conditions: {
            StringEquals: { 'aws:SourceAccount': stack.account },
            ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'logs', resource: '*', arnFormat: ArnFormat.NO_RESOURCE_NAME }) },
          },
        }),
      ],
    });
    return group;
  }

  /** Functions that make a job active (creating it, unlocking its workspace) start its run. */
  grantStart(grantee: iam.IGrantable): void {
    iam.Grant.addToPrincipal({ grantee, actions: ['states:StartExecution'], resourceArns: [this.stateMachineArn] });
  }

  /** API functions that start, cancel and approve runs. */
  grantControl(grantee: iam.IGrantable): void {
    this.grantStart(grantee);
    const executions = Stack.of(this).formatArn({ service: 'states', resource: 'execution', resourceName: `${this.stateMachineName}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    iam.Grant.addToPrincipal({ grantee, actions: ['states:StopExecution'], resourceArns: [executions] });
    // A cancel asks a running step to stop through a request its executor build watches for.
    this.grantObjects(grantee, ['s3:PutObject'], 'runs/', '*/stop');
    acknowledgeWildcard(grantee instanceof Construct ? grantee : this, executions, 'Executions are named after their job at run time; the grant covers this state machine\'s executions only.');
    // The task token is the capability: these actions take no resource-level permission (Service
    // Authorization Reference), so a grant on the state machine's ARN is not valid IAM (the IAM check of
    // the cloud-assembly test caught this).
    iam.Grant.addToPrincipal({ grantee, actions: ['states:SendTaskSuccess', 'states:SendTaskFailure'], resourceArns: ['*'] });
    acknowledge(grantee instanceof Construct ? grantee : this, 'AwsSolutions-IAM5[Resource::*]', 'states:SendTaskSuccess/SendTaskFailure support no resource-level permission; the task token identifies the task.');
  }

  grantLogRead(grantee: iam.IGrantable): void {
    this.grantObjects(grantee, ['s3:GetObject'], 'logs/');
  }

  /** Force-unlock: reading and removing a workspace state's lock (terraform's S3 lock file). */
  grantStateUnlock(grantee: iam.IGrantable): void {
    this.grantObjects(grantee, ['s3:GetObject', 's3:DeleteObject'], 'state/', `*${S3_LOCK_SUFFIX}`);
  }

  /**
   * TFE state versions: their objects and outputs under state/<org>/<ws>/versions/, read (and handed
   * out as presigned GETs) by the state routes. A presigned URL carries the signer's permission.
   */
  grantStateRead(grantee: iam.IGrantable): void {
    this.grantObjects(grantee, ['s3:GetObject'], 'state/*/versions/');
  }

  /** Writing a version's outputs, and presigned PUTs of the states the terraform CLI uploads. */
  grantStateWrite(grantee: iam.IGrantable): void {
    this.grantObjects(grantee, ['s3:PutObject'], 'state/*/versions/');
  }

  /** Presigned PUTs of the configurations the terraform CLI uploads, and seeing (HeadObject) that they arrived. */
  grantConfigurationUpload(grantee: iam.IGrantable): void {
    this.grantObjects(grantee, ['s3:GetObject', 's3:PutObject'], 'configurations/');
  }

  /** Deleting a job removes its logs, plans and step contexts. */
  grantJobCleanup(grantee: iam.IGrantable): void {
    for (const prefix of ['logs/', 'plans/', 'runs/']) this.grantObjects(grantee, ['s3:DeleteObject'], prefix);
    this.grantListing(grantee, ['logs/', 'plans/', 'runs/']);
  }

  /**
   * Object actions under one prefix. A reader (s3:GetObject) may also list that prefix: S3 answers a
   * read of a missing key 404 only to a caller allowed s3:ListBucket for it (evaluated with the key as
   * s3:prefix), and 403 AccessDenied to anyone else, which would make "no log yet", "no saved plan" and
   * a new workspace's absent state look like failures. Listing reveals only key names under prefixes
   * whose objects the caller reads anyway; an AccessDenied stays an error (never read as "missing").
   */
  private grantObjects(grantee: iam.IGrantable, actions: string[], prefix: string, keys = '*'): void {
    const objects = this.artifacts.bucket.arnForObjects(`${prefix}${keys}`);
    iam.Grant.addToPrincipal({ grantee, actions, resourceArns: [objects] });
    acknowledgeWildcard(grantee instanceof Construct ? grantee : this, objects, `Objects under ${prefix} are keyed by organization, job and step at run time.`);
    if (actions.includes('s3:GetObject')) this.grantListing(grantee, [prefix]);
  }

  private grantListing(grantee: iam.IGrantable, prefixes: string[]): void {
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:ListBucket'],
      resourceArns: [this.artifacts.bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': prefixes.map((p) => `${p}*`) } },
    });
  }

  /**
   * Advance mints each step's grants (issue 20): it writes the step context, and presigns one URL per
   * object and method the step may touch; a presigned URL carries the signer's permission for exactly
   * that object. Reading a missing key must answer 404 (no plan, no state yet): hence the listings.
   */
  private grantStepMinting(grantee: iam.IGrantable): void {
    // The context (written, read once, its version deleted for good; a plain delete where the store keeps
    // no versions) and the stop request a cancel leaves.
    this.grantObjects(grantee, ['s3:PutObject', 's3:GetObject', 's3:DeleteObject', 's3:DeleteObjectVersion'], 'runs/');
    this.grantObjects(grantee, ['s3:GetObject', 's3:PutObject'], 'plans/');
    this.grantObjects(grantee, ['s3:PutObject'], 'logs/');
    // The workspace's current state (read and written by the step's http backend) and its versions.
    this.grantObjects(grantee, ['s3:GetObject', 's3:PutObject'], 'state/');
    this.grantObjects(grantee, ['s3:GetObject', 's3:PutObject'], 'cache/');
    this.grantObjects(grantee, ['s3:GetObject'], 'configurations/');
    iam.Grant.addToPrincipal({ grantee, actions: ['kms:Sign'], resourceArns: [this.identityKey.keyArn] });
  }

  /** The JWKS route publishes the signing key's public half. */
  grantIdentityPublish(grantee: iam.IGrantable): void {
    iam.Grant.addToPrincipal({ grantee, actions: ['kms:GetPublicKey'], resourceArns: [this.identityKey.keyArn] });
  }

  /**
   * The executor build gets no right on the artifacts bucket at all: a step, and any script a tenant
   * runs in it, reaches only the objects its step's URLs name. The bucket policy denies the build's
   * role outright, so no grant added later can undo that by accident.
   */
  private isolateExecutor(project: codebuild.Project): void {
    const role = project.role;
    if (!role) throw new Error('the executor project has no role');
    this.artifacts.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'NoTenantDataForTheExecutorRole',
        effect: iam.Effect.DENY,
        principals: [new iam.ArnPrincipal(role.roleArn)],
        actions: ['s3:*'],
        resources: [this.artifacts.bucket.bucketArn, this.artifacts.bucket.arnForObjects('*')],
      }),
    );
  }

  private eventEdges(table: JobsTable): void {
    const target = (f: ServiceFunction) => new targets.LambdaFunction(f.fn, { deadLetterQueue: this.deadLetters, retryAttempts: 10, maxEventAge: Duration.hours(6) });
    new events.Rule(this, 'ExecutionEndedRule', {
      description: 'A job run execution failed, timed out or was aborted',
      eventPattern: { source: ['aws.states'], detailType: ['Step Functions Execution Status Change'], detail: { stateMachineArn: [this.stateMachineArn], status: ['FAILED', 'TIMED_OUT', 'ABORTED'] } },
      targets: [target(this.functions.executionEnded)],
    });
    new events.Rule(this, 'StepStartedRule', {
      description: 'An executor build started running a step',
      eventPattern: { source: ['aws.codebuild'], detailType: ['CodeBuild Build State Change'], detail: { 'build-status': ['IN_PROGRESS'], 'project-name': [this.executor.projectName] } },
      targets: [target(this.functions.stepStarted)],
    });
    this.functions.startClaimed.fn.addEventSource(
      new DynamoEventSource(table.table, {
        startingPosition: lambda.StartingPosition.LATEST,
        batchSize: 25,
        retryAttempts: 10,
        bisectBatchOnError: true,
        onFailure: new SqsDlq(this.deadLetters),
        filters: [lambda.FilterCriteria.filter({ dynamodb: { NewImage: { sk: { S: lambda.FilterRule.isEqual('WS') }, activeJob: { N: lambda.FilterRule.exists() } } } })],
      }),
    );
  }
}
