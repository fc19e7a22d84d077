/**
 * The webhook processor (SQS event source, reportBatchItemFailures): each message names one accepted
 * delivery. A message that fails is reported alone, so SQS retries only it (then the dead-letter queue
 * keeps it); processing is idempotent per delivery, so a retry or a duplicate message is harmless.
 */
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { logger } from '../../shared/logger';
import type { DeliveryMessage } from '../../shared/webhooks/event-queue';
import { processDelivery } from '../../shared/webhooks/process';

export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    let message: DeliveryMessage;
    try {
      message = JSON.parse(record.body) as DeliveryMessage;
      if (typeof message?.webhookId !== 'string' || typeof message.deliveryKey !== 'string') throw new Error('not a delivery message');
    } catch (error) {
      // Retrying cannot fix a message that is not ours: drop it, loudly.
      logger.error('dropping an unreadable webhook queue message', { messageId: record.messageId, error });
      continue;
    }
    try {
      await processDelivery(message);
    } catch (error) {
      logger.warn('webhook delivery will be retried', { messageId: record.messageId, ...message, error });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
};
