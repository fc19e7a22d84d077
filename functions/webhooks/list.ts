import { apiHandler } from '../../shared/http/api-handler';
import { listWebhooks } from '../../shared/resources/webhooks';

export const handler = apiHandler(listWebhooks);
