import { webhookReceiverHandler } from '../../shared/webhooks/http';

export const handler = webhookReceiverHandler();
