/** EventBridge: a job run execution failed, timed out or was aborted without ending its job. */
import { executionEndedHandler } from '../../shared/run-tasks/handlers';

export const handler = executionEndedHandler();
