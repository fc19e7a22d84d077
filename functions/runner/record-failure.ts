/** State machine task RecordFailure (every Catch leads here): end the job failed, free its workspace. */
import { recordFailure } from '../../shared/run-tasks/failure';
import { taskHandler } from '../../shared/run-tasks/handlers';

export const handler = taskHandler(recordFailure);
