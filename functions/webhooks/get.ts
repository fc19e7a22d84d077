import { apiHandler } from '../../shared/http/api-handler';
import { getWebhook } from '../../shared/resources/webhooks';

export const handler = apiHandler(getWebhook);
