import { apiHandler } from '../../shared/http/api-handler';
import { getWebhookEventById } from '../../shared/resources/root-reads';

export const handler = apiHandler(getWebhookEventById);
