import { apiHandler } from '../../shared/http/api-handler';
import { createWebhookEvent } from '../../shared/resources/webhook-events';

export const handler = apiHandler(createWebhookEvent, { body: true });
