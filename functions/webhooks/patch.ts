import { apiHandler } from '../../shared/http/api-handler';
import { updateWebhook } from '../../shared/resources/webhooks';

export const handler = apiHandler(updateWebhook, { body: true });
