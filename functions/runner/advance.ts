/** State machine task Advance: record the last step's result, pick the next action. */
import { advance } from '../../shared/run-tasks/advance';
import { taskHandler } from '../../shared/run-tasks/handlers';

export const handler = taskHandler(advance);
