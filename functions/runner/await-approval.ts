/** State machine task AwaitApproval (lambda:invoke.waitForTaskToken): park the job with its token. */
import { awaitApproval } from '../../shared/run-tasks/await-approval';
import { taskHandler } from '../../shared/run-tasks/handlers';

export const handler = taskHandler(awaitApproval);
