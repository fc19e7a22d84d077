import { apiHandler } from '../../shared/http/api-handler';
import { webhookEvents } from '../../shared/resources/webhook-events';

export const handler = apiHandler(webhookEvents.list);
