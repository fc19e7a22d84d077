import { apiHandler } from '../../shared/http/api-handler';
import { webhooks } from '../../shared/resources/webhooks';

export const handler = apiHandler(webhooks.get);
