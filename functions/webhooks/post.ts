import { apiHandler } from '../../shared/http/api-handler';
import { createWebhook } from '../../shared/resources/webhooks';

export const handler = apiHandler(createWebhook, { body: true });
