/** The schedule fire function: EventBridge Scheduler invokes it at each fire time of a workspace schedule. */
import { scheduleFireHandler } from '../../shared/schedules/fire-handler';

export const handler = scheduleFireHandler();
