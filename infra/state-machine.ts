/**
 * The job run state machine (JSONPath, one execution per job): Advance decides the next step, Route
 * dispatches it to the executor or to an approval wait, and the result goes back to Advance. Every task
 * has a timeout and a Catch that ends the job failed through RecordFailure. The AWS stack and the local
 * engine build their definition from this one function.
 *
 * Transitions for "Plan and apply": Advance, Route, Execute, Advance, Route, Execute, Advance, Route, Done;
 * 6 when the apply is chained to its plan (one Execute runs both: shared/run-tasks/chained-step.ts).
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import type * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import * as cb from 'aws-cdk-lib/aws-codebuild';
import type { Construct } from 'constructs';
import { executeTaskTimeoutSeconds, executionTimeoutSeconds, RUN_STATES, type RunTimeouts } from './run-states';
import { retryTransientFailures } from './task-retries';

export { RUN_STATES } from './run-states';
export type { RunTimeouts } from './run-states';

export interface RunTasks {
  advance: lambda.IFunction;
  awaitApproval: lambda.IFunction;
  recordFailure: lambda.IFunction;
  executor: codebuild.IProject;
}

export { EXECUTE_MARGIN_SECONDS } from './run-states';

/**
 * The runner task functions' timeout, and the state machine's wait for each: longer, so a task that
 * runs long ends (or fails) in Lambda before Step Functions gives up on it and retries it alongside.
 */
export const RUNNER_FUNCTION_TIMEOUT_SECONDS = 60;
const RUNNER_TASK_TIMEOUT = sfn.Timeout.duration(Duration.seconds(RUNNER_FUNCTION_TIMEOUT_SECONDS + 30));

/**
 * CodeBuild refusing to start a build (too many concurrent builds for the account, throttling): no
 * build ran, so starting it again later is safe. A build that ran and failed is never retried.
 */
const BUILD_START_RETRY: sfn.RetryProps = {
  errors: ['CodeBuild.AccountLimitExceededException', 'CodeBuild.ThrottlingException'],
  interval: Duration.seconds(15),
  maxAttempts: 6,
  backoffRate: 2,
  maxDelay: Duration.minutes(5),
  jitterStrategy: sfn.JitterType.FULL,
};

export function jobRunDefinition(scope: Construct, run: RunTasks, timeouts: RunTimeouts): sfn.IChainable {
  const recordFailure = new tasks.LambdaInvoke(scope, RUN_STATES.recordFailure, {
    lambdaFunction: run.recordFailure,
    payloadResponseOnly: true,
    retryOnServiceExceptions: false,
    taskTimeout: RUNNER_TASK_TIMEOUT,
    comment: 'Ends the job failed with the reason in its output and frees the workspace.',
  });
  retryTransientFailures(recordFailure, { otherFailures: true });
  recordFailure.next(new sfn.Fail(scope, RUN_STATES.failed, { error: 'JobRunFailed', cause: 'The job run failed; the job output says why.' }));

  const advance = new tasks.LambdaInvoke(scope, RUN_STATES.advance, {
    lambdaFunction: run.advance,
    payloadResponseOnly: true,
    retryOnServiceExceptions: false,
    taskTimeout: RUNNER_TASK_TIMEOUT,
    comment: 'Records the last step result and picks the next action: execute, approve or end.',
  });
  retryTransientFailures(advance, { otherFailures: true });
  advance.addCatch(recordFailure, { resultPath: '$.error' });

  const execute = new tasks.CodeBuildStartBuild(scope, RUN_STATES.execute, {
    project: run.executor as cb.IProject,
    integrationPattern: sfn.IntegrationPattern.RUN_JOB,
    environmentVariablesOverride: {
      TK_CONTEXT: { value: sfn.JsonPath.stringAt('$.executor.context') },
      TK_CONTEXT_DISPOSE: { value: sfn.JsonPath.stringAt('$.executor.dispose') },
      TK_ORG: { value: sfn.JsonPath.stringAt('$.organizationId') },
      TK_JOB: { value: sfn.JsonPath.stringAt('$.executor.job') },
      TK_STEP: { value: sfn.JsonPath.stringAt('$.step.id') },
      TK_IAC: { value: sfn.JsonPath.stringAt('$.executor.iac') },
      TK_IAC_VERSION: { value: sfn.JsonPath.stringAt('$.executor.version') },
      // The apply chained to this plan (one build runs both); empty strings when there is none, since
      // Parameters cannot leave a variable out (a Choice would cost a state transition per step).
      TK_NEXT_STEP: { value: sfn.JsonPath.stringAt('$.executor.next.step') },
      TK_NEXT_CONTEXT: { value: sfn.JsonPath.stringAt('$.executor.next.context') },
      TK_NEXT_CONTEXT_DISPOSE: { value: sfn.JsonPath.stringAt('$.executor.next.dispose') },
      TK_NEXT_WITHIN_MS: { value: sfn.JsonPath.stringAt('$.executor.next.withinMs') },
    },
    resultSelector: { 'exported.$': '$.Build.ExportedEnvironmentVariables' },
    resultPath: '$.result',
    // Longer than the build's own timeout (EC2 compute: step + margin), so CodeBuild ends a build first.
    taskTimeout: sfn.Timeout.duration(Duration.seconds(executeTaskTimeoutSeconds(timeouts))),
    comment: 'Runs one terraform or script step on the executor (and the apply chained to a plan) and waits for it.',
  });
  execute.addRetry(BUILD_START_RETRY);
  execute.addCatch(recordFailure, { resultPath: '$.error' });

  const awaitApproval = new tasks.LambdaInvoke(scope, RUN_STATES.awaitApproval, {
    lambdaFunction: run.awaitApproval,
    integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
    payload: sfn.TaskInput.fromObject({
      token: sfn.JsonPath.taskToken,
      organizationId: sfn.JsonPath.stringAt('$.organizationId'),
      jobId: sfn.JsonPath.numberAt('$.jobId'),
      stepId: sfn.JsonPath.stringAt('$.step.id'),
      team: sfn.JsonPath.stringAt('$.approval.team'),
    }),
    resultPath: '$.result',
    taskTimeout: sfn.Timeout.duration(Duration.seconds(timeouts.approvalSeconds)),
    retryOnServiceExceptions: false,
    comment: 'Keeps the task token on the job and waits for an approve or reject.',
  });
  retryTransientFailures(awaitApproval, { otherFailures: false });
  awaitApproval.addCatch(recordFailure, { resultPath: '$.error' });

  const route = new sfn.Choice(scope, RUN_STATES.route)
    .when(sfn.Condition.stringEquals('$.action', 'execute'), execute.next(advance))
    .when(sfn.Condition.stringEquals('$.action', 'approve'), awaitApproval.next(advance))
    .otherwise(new sfn.Succeed(scope, RUN_STATES.done));
  return advance.next(route);
}

/** Total lifetime of an execution: after this, the execution-ended handler fails the job. */
export const executionTimeout = (t: RunTimeouts) => Duration.seconds(executionTimeoutSeconds(t));

/**
 * The definition the local engine runs: built by the same function in a throwaway stack, with
 * placeholder ARNs (every task is overridden locally), as the JSON Step Functions would receive.
 */
export function renderRunDefinition(timeouts: RunTimeouts): Record<string, unknown> {
  const stack = new Stack(new App(), 'LocalJobRun', { env: { account: '000000000000', region: 'us-east-1' } });
  const fn = (name: string) => lambda.Function.fromFunctionArn(stack, name, `arn:aws:lambda:us-east-1:000000000000:function:${name}`);
  const chain = jobRunDefinition(
    stack,
    {
      advance: fn('advance'),
      awaitApproval: fn('await-approval'),
      recordFailure: fn('record-failure'),
      executor: cb.Project.fromProjectArn(stack, 'Executor', 'arn:aws:codebuild:us-east-1:000000000000:project/executor'),
    },
    timeouts,
  );
  const machine = new sfn.StateMachine(stack, 'JobRun', { definitionBody: sfn.DefinitionBody.fromChainable(chain), timeout: executionTimeout(timeouts) });
  const rendered = stack.resolve((machine.node.defaultChild as sfn.CfnStateMachine).definitionString);
  return JSON.parse(joinIntrinsics(rendered));
}

/** Flattens the Fn::Join CloudFormation renders around ARNs into the final string. */
export function joinIntrinsics(value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as Record<string, unknown>;
  if (v['Fn::Join']) {
    const [separator, parts] = v['Fn::Join'] as [string, unknown[]];
    return parts.map(joinIntrinsics).join(separator);
  }
  if (v.Ref === 'AWS::Partition') return 'aws';
  if (v.Ref === 'AWS::Region') return 'us-east-1';
  if (v.Ref === 'AWS::AccountId') return '000000000000';
  if (v.Ref === 'AWS::URLSuffix') return 'amazonaws.com';
  throw new Error(`cannot render ${JSON.stringify(value)} locally`);
}
