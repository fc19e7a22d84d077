/**
 * The Lambda tasks of the job run state machine ride a gap in their dependencies the way the local engine
 * does (issue 13): their Retry blocks are the run's one retry policy, and they run under the local engine
 * too (aws-local-stepfunctions applies the same definition's Retry).
 */
import { describe, expect, it } from 'vitest';
import { renderRunDefinition, RUN_STATES } from '../../infra/state-machine';
import { TRANSIENT_TASK_ERRORS } from '../../infra/task-retries';
import { TRANSIENT_RETRY } from '../../shared/runs/transient-retry';

type Retrier = {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: string;
};
const states = renderRunDefinition({ stepSeconds: 600, approvalSeconds: 3600 }).States as Record<string, { Retry?: Retrier[] }>;

const transient: Retrier = {
  ErrorEquals: [...TRANSIENT_TASK_ERRORS],
  IntervalSeconds: TRANSIENT_RETRY.intervalSeconds,
  BackoffRate: TRANSIENT_RETRY.backoffRate,
  MaxDelaySeconds: TRANSIENT_RETRY.maxDelaySeconds,
  MaxAttempts: TRANSIENT_RETRY.maxAttempts,
  JitterStrategy: 'FULL',
};

describe('Lambda task retries', () => {
  it('retry the tasks’ own Unavailable and Lambda’s service errors and throttles by the run policy, then anything else briefly', () => {
    for (const name of [RUN_STATES.advance, RUN_STATES.recordFailure]) {
      expect(states[name]?.Retry, name).toEqual([
        transient,
        { ErrorEquals: ['States.ALL'], IntervalSeconds: 1, MaxAttempts: 2, BackoffRate: 2, JitterStrategy: 'FULL' },
      ]);
    }
    expect(TRANSIENT_TASK_ERRORS).toEqual(expect.arrayContaining(['Unavailable', 'Lambda.ServiceException', 'Lambda.TooManyRequestsException']));
  });

  it('never retry an approval wait on its timeout (the timeout is the answer), only on transient failures', () => {
    expect(states[RUN_STATES.awaitApproval]?.Retry).toEqual([transient]);
  });
});
