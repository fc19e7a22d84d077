/**
 * How a run rides over a gap in its dependencies (the table, the artifact store): a step of the run that
 * fails with Unavailable (shared/adapters/aws/transient.ts) is tried again with capped, jittered
 * exponential backoff for about a minute before the job is failed. One policy, applied in two places:
 *
 * - the state machine's Lambda tasks (infra/task-retries.ts renders it as their Retry block), so in AWS
 *   Step Functions waits between attempts, and locally aws-local-stepfunctions does the same with the
 *   same definition;
 * - `retryTransient` below, for run work outside a state machine task: the local engine's step-started
 *   and execution-ended writes and its resumption of runs after DynamoDB Local came back (in AWS those
 *   are EventBridge and stream targets, retried by Lambda itself).
 */
import { Unavailable } from '../domain/errors';
import { logger } from '../logger';
import { isTransient } from '../adapters/aws/transient';

export interface RetryPolicy {
  /** Wait before the first retry. */
  intervalSeconds: number;
  /** Each wait is this many times the one before … */
  backoffRate: number;
  /** … up to this. */
  maxDelaySeconds: number;
  /** Retries after the first attempt. */
  maxAttempts: number;
}

/**
 * Waits of 1, 2, 4, 8, then 10 s, each drawn at random between 0 and that (full jitter, so executions
 * recovering together do not retry in step): about 60 s in all on average (`expectedWindowSeconds`),
 * 115 s at most.
 */
export const TRANSIENT_RETRY: RetryPolicy = { intervalSeconds: 1, backoffRate: 2, maxDelaySeconds: 10, maxAttempts: 14 };

/** The cap of each wait, in order. */
export function retryDelaysSeconds(policy: RetryPolicy = TRANSIENT_RETRY): number[] {
  return Array.from({ length: policy.maxAttempts }, (_, i) => Math.min(policy.intervalSeconds * policy.backoffRate ** i, policy.maxDelaySeconds));
}

/** Full jitter waits half of each cap on average. */
export const expectedWindowSeconds = (policy: RetryPolicy = TRANSIENT_RETRY) => retryDelaysSeconds(policy).reduce((a, b) => a + b, 0) / 2;
export const longestWindowSeconds = (policy: RetryPolicy = TRANSIENT_RETRY) => retryDelaysSeconds(policy).reduce((a, b) => a + b, 0);

/** Retryable by the policy: the service's own Unavailable, or a transient failure no adapter classified yet. */
export const isRetryable = (error: unknown) => error instanceof Unavailable || isTransient(error);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `work`, trying again on transient failures as the policy says; any other failure, or the last
 * transient one, is thrown. Each retry is logged with what it is for.
 */
export async function retryTransient<T>(what: string, work: () => Promise<T>, policy: RetryPolicy = TRANSIENT_RETRY): Promise<T> {
  const delays = retryDelaysSeconds(policy);
  for (let attempt = 0; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const delay = delays[attempt];
      if (delay === undefined || !isRetryable(error)) throw error;
      const waitMs = Math.round(Math.random() * delay * 1000);
      logger.warn('dependency unavailable; retrying', { what, attempt: attempt + 1, waitMs, error: (error as Error).message });
      await sleep(waitMs);
    }
  }
}
