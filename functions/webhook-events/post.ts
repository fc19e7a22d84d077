import { apiHandler } from '../../shared/http/api-handler';
import * as webhookEvents from '../../shared/resources/webhook-events';

export const handler = apiHandler(webhookEvents.create, { body: true });
