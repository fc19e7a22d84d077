/** DynamoDB stream: job status changes, pushed to the live status feed's subscribers. */
import { fanOutHandler } from '../../shared/subscriptions/handlers';

export const handler = fanOutHandler();
