import { apiHandler } from '../../shared/http/api-handler';
import { getWebhookEvent } from '../../shared/resources/webhook-events';

export const handler = apiHandler(getWebhookEvent);
