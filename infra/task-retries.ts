/**
 * The Retry blocks of the state machine's Lambda tasks (Advance, AwaitApproval, RecordFailure), from the
 * run's one retry policy (shared/runs/transient-retry.ts):
 *
 * 1. transient failures (the task's own `Unavailable`: DynamoDB or S3 throttled, failing or unreachable;
 *    Lambda's service errors and throttles) are retried for about a minute with capped, jittered backoff;
 * 2. anything else (a bug, a crashed or timed-out invocation) gets two quick retries, then the Catch
 *    ends the job failed. An approval wait is not retried on its timeout: that timeout is the answer.
 */
import { Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { TRANSIENT_RETRY } from '../shared/runs/transient-retry';

/** What a Lambda task fails with when retrying is the right answer (errors are matched by name). */
export const TRANSIENT_TASK_ERRORS = [
  'Unavailable',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'Lambda.ClientExecutionTimeoutException',
] as const;

export function retryTransientFailures(task: sfn.TaskStateBase, options: { otherFailures: boolean }): void {
  const policy = TRANSIENT_RETRY;
  task.addRetry({
    errors: [...TRANSIENT_TASK_ERRORS],
    interval: Duration.seconds(policy.intervalSeconds),
    backoffRate: policy.backoffRate,
    maxDelay: Duration.seconds(policy.maxDelaySeconds),
    maxAttempts: policy.maxAttempts,
    jitterStrategy: sfn.JitterType.FULL,
  });
  if (options.otherFailures) {
    task.addRetry({ errors: ['States.ALL'], interval: Duration.seconds(1), backoffRate: 2, maxAttempts: 2, jitterStrategy: sfn.JitterType.FULL });
  }
}
