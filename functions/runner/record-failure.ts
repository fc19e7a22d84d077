/** State machine task RecordFailure (every Catch leads here): end the job failed, free its workspace. */
import { recordFailure } from '../../shared/runner/failure';
import type { RunState } from '../../shared/runner/run-state';
import { observed } from '../../shared/observability/lambda';

export const handler = observed((state: RunState) => recordFailure(state));
