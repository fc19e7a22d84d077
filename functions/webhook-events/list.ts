import { apiHandler } from '../../shared/http/api-handler';
import { listWebhookEvents } from '../../shared/resources/webhook-events';

export const handler = apiHandler(listWebhookEvents);
