/** State machine task Advance: record the last step's result, pick the next action. */
import { advance } from '../../shared/runner/advance';
import type { RunState } from '../../shared/runner/run-state';
import { observed } from '../../shared/observability/lambda';

export const handler = observed((state: RunState): Promise<RunState> => advance(state));
