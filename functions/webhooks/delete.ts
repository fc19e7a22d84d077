import { apiHandler } from '../../shared/http/api-handler';
import { deleteWebhook } from '../../shared/resources/webhooks';

export const handler = apiHandler(deleteWebhook);
