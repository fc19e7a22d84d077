/** DynamoDB stream: a job was handed its workspace; make sure its run exists (the safety net). */
import { startClaimedHandler } from '../../shared/run-tasks/handlers';

export const handler = startClaimedHandler();
