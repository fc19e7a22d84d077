/** State machine task AwaitApproval (lambda:invoke.waitForTaskToken): park the job with its token. */
import { awaitApproval } from '../../shared/runner/approval';
import type { ApprovalTaskInput } from '../../shared/runner/run-state';

export const handler = (input: ApprovalTaskInput): Promise<void> => awaitApproval(input);
