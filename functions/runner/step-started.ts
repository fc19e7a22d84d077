/** EventBridge: the executor build of a step started running. */
import { stepStartedHandler } from '../../shared/run-tasks/handlers';

export const handler = stepStartedHandler();
