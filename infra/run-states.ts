/**
 * What the local engine needs of the job run state machine without importing aws-cdk-lib: the state
 * names it overrides and the timeouts the definition is rendered with.
 */
/** State names: the local engine overrides these tasks by name. */
export const RUN_STATES = {
  advance: 'Advance',
  route: 'Route',
  execute: 'Execute',
  awaitApproval: 'AwaitApproval',
  recordFailure: 'RecordFailure',
  done: 'Done',
  failed: 'Failed',
} as const;

export interface RunTimeouts {
  /** A terraform or script step is killed after this long. */
  stepSeconds: number;
  /** An approval not given within this long fails the job. */
  approvalSeconds: number;
}

/** The longest a job's execution may run: two approval waits and twenty steps. */
export const executionTimeoutSeconds = (t: RunTimeouts) => t.approvalSeconds * 2 + t.stepSeconds * 20;

/** Slack between the executor's own step timeout and the state machine's, so the executor reports first. */
export const EXECUTE_MARGIN_SECONDS = 300;

/** The Execute task's own timeout: longer than the build's (step + margin), so CodeBuild ends a build first. */
export const executeTaskTimeoutSeconds = (t: RunTimeouts) => t.stepSeconds + EXECUTE_MARGIN_SECONDS + 120;

/** A CodeBuild build on Lambda compute ends at 15 minutes, whatever else is set. */
export const LAMBDA_BUILD_SECONDS = 900;

/** What a build spends besides its steps: install (the terraform download), checkout, the last uploads; on EC2 also provisioning. */
export const BUILD_OVERHEAD_SECONDS = { lambda: 60, ec2: 120 } as const;

/**
 * How long a plan may run for its apply to go on in the same build (issue 16, a chained step): the
 * apply keeps its full step time before the build or the Execute task would end. 0 when there is no
 * room: a Lambda-compute build with the default 840 s steps.
 */
export function chainWithinSeconds(t: RunTimeouts, compute: 'lambda' | 'ec2'): number {
  const build = compute === 'lambda' ? LAMBDA_BUILD_SECONDS : t.stepSeconds + EXECUTE_MARGIN_SECONDS;
  return Math.max(0, Math.min(build, executeTaskTimeoutSeconds(t)) - t.stepSeconds - BUILD_OVERHEAD_SECONDS[compute]);
}
