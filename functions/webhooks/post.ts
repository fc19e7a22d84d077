import { apiHandler } from '../../shared/http/api-handler';
import * as webhooks from '../../shared/resources/webhooks';

export const handler = apiHandler(webhooks.create, { body: true });
