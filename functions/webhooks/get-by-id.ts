import { apiHandler } from '../../shared/http/api-handler';
import { getWebhookById } from '../../shared/resources/root-reads';

export const handler = apiHandler(getWebhookById);
