/** State machine task AwaitApproval (lambda:invoke.waitForTaskToken): park the job with its token. */
import { awaitApproval } from '../../shared/runner/approval';
import type { ApprovalTaskInput } from '../../shared/runner/run-state';
import { observed } from '../../shared/observability/lambda';

export const handler = observed((input: ApprovalTaskInput): Promise<void> => awaitApproval(input));
