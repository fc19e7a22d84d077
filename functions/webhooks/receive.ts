import { webhookReceiverHandler } from '../../shared/http/webhook-handler';

export const handler = webhookReceiverHandler();
