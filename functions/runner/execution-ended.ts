/**
 * EventBridge "Step Functions Execution Status Change" (FAILED, TIMED_OUT, ABORTED): an execution that
 * ended without ending its job (the execution timed out, or was stopped other than by a cancel) fails it.
 */
import type { EventBridgeEvent } from 'aws-lambda';
import { executionEnded } from '../../shared/runner/failure';
import { observed } from '../../shared/observability/lambda';

type Detail = { status: string; input?: string | null };

export const handler = observed(async (event: EventBridgeEvent<'Step Functions Execution Status Change', Detail>): Promise<void> => {
  const input = JSON.parse(event.detail.input ?? '{}') as { organizationId?: string; jobId?: number };
  if (!input.organizationId || !input.jobId) return;
  await executionEnded({ organizationId: input.organizationId, jobId: input.jobId, status: event.detail.status });
});
