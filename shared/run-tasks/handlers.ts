/**
 * The job run's Lambda entry points: the state machine's tasks (Advance, AwaitApproval, RecordFailure)
 * and the handlers of the events around runs. Each boots the wiring with the runner's environment.
 */
import type { DynamoDBStreamEvent, EventBridgeEvent } from 'aws-lambda';
import { boot } from '../env';
import { observed } from '../observability/lambda';
import { runStarter } from '../wiring';
import { executionEnded } from './failure';
import { stepStarted } from './step-started';

/** A state machine task: the function itself, once the wiring is booted, with the observability of an API route. */
export function taskHandler<I, O>(task: (input: I) => Promise<O>): (input: I) => Promise<O> {
  boot('runner');
  return observed(task);
}

type ExecutionDetail = { status: string; input?: string | null };

/**
 * EventBridge "Step Functions Execution Status Change" (FAILED, TIMED_OUT, ABORTED): an execution that
 * ended without ending its job (the execution timed out, or was stopped other than by a cancel) fails it.
 */
export function executionEndedHandler() {
  return taskHandler(async (event: EventBridgeEvent<'Step Functions Execution Status Change', ExecutionDetail>): Promise<void> => {
    const input = JSON.parse(event.detail.input ?? '{}') as { organizationId?: string; jobId?: number };
    if (!input.organizationId || !input.jobId) return;
    await executionEnded({ organizationId: input.organizationId, jobId: input.jobId, status: event.detail.status });
  });
}

type BuildDetail = { 'build-status': string; 'additional-information'?: { environment?: { 'environment-variables'?: { name: string; value: string }[] } } };

/**
 * EventBridge "CodeBuild Build State Change" (IN_PROGRESS): the executor build for a step started, so
 * the job and the step are running. The build carries the job and step in its environment overrides.
 */
export function stepStartedHandler() {
  return taskHandler(async (event: EventBridgeEvent<'CodeBuild Build State Change', BuildDetail>): Promise<void> => {
    const vars = event.detail['additional-information']?.environment?.['environment-variables'] ?? [];
    const get = (name: string) => vars.find((v) => v.name === name)?.value;
    const [org, job, step] = [get('TK_ORG'), Number(get('TK_JOB')), get('TK_STEP')];
    if (event.detail['build-status'] !== 'IN_PROGRESS' || !org || !job || !step) return;
    await stepStarted(org, job, step);
  });
}

/**
 * Safety net for starting runs (DynamoDB stream on the table, filtered to workspace items): whenever a
 * workspace's activeJob changes to a job, make sure that job's execution exists. The API already starts
 * it directly; this catches a function that died between committing the hand-over and starting the run.
 * StartExecution is idempotent per job (the execution is named after it), so doing it twice is harmless.
 */
export function startClaimedHandler() {
  return taskHandler(async (event: DynamoDBStreamEvent): Promise<void> => {
    for (const record of event.Records) {
      const next = record.dynamodb?.NewImage;
      const before = record.dynamodb?.OldImage;
      const activeJob = next?.activeJob?.N;
      const organizationId = next?.organizationId?.S;
      if (next?.sk?.S !== 'WS' || !activeJob || !organizationId || before?.activeJob?.N === activeJob) continue;
      // Throwing makes Lambda retry the batch (then the dead-letter queue keeps it for the alarm).
      await runStarter().start({ organizationId, jobId: Number(activeJob) });
    }
  });
}
