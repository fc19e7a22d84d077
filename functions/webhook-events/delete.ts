import { apiHandler } from '../../shared/http/api-handler';
import { deleteWebhookEvent } from '../../shared/resources/webhook-events';

export const handler = apiHandler(deleteWebhookEvent);
