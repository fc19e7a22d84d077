import { apiHandler } from '../../shared/http/api-handler';
import { updateWebhookEvent } from '../../shared/resources/webhook-events';

export const handler = apiHandler(updateWebhookEvent, { body: true });
