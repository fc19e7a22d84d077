/**
 * The webhook processor's Lambda entry point, invoked asynchronously by the receiver with one accepted
 * delivery. Throwing makes Lambda retry the event (then send it to the dead-letter queue); processing is
 * idempotent per delivery, so a retry or a duplicate event is harmless.
 */
import { logger } from '../logger';
import type { DeliveryMessage } from '../ports/delivery-queue';
import { boot } from '../env';
import { observed } from '../observability/lambda';
import { processDelivery } from './process';

const isDeliveryMessage = (event: unknown): event is DeliveryMessage =>
  typeof (event as DeliveryMessage)?.webhookId === 'string' && typeof (event as DeliveryMessage)?.deliveryKey === 'string';

export function deliveryProcessorHandler() {
  boot('processor');
  return observed(async (event: unknown): Promise<void> => {
    if (!isDeliveryMessage(event)) {
      // Retrying cannot fix an event that is not ours: drop it, loudly.
      logger.error('dropping an unreadable webhook processor event', { type: typeof event });
      return;
    }
    try {
      await processDelivery({ webhookId: event.webhookId, deliveryKey: event.deliveryKey });
    } catch (error) {
      logger.warn('webhook delivery will be retried', { ...event, error });
      throw error;
    }
  });
}
