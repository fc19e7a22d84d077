/**
 * The delivery queue locally: each message is processed in the background (the receiver does not
 * wait), retried a few times like Lambda's asynchronous invocation, then dropped with an error log
 * (the dead letter).
 */
import { logger } from '../../logger';
import type { DeliveryQueue } from '../../ports/delivery-queue';
import { processDelivery } from '../../webhooks/process';

const LOCAL_ATTEMPTS = 5;
const inFlight = new Set<Promise<void>>();

export function inProcessDeliveryQueue(): DeliveryQueue {
  return {
    async send(message) {
      const run = (async () => {
        await new Promise((r) => setImmediate(r));
        for (let attempt = 1; ; attempt++) {
          try {
            await processDelivery(message);
            return;
          } catch (error) {
            if (attempt >= LOCAL_ATTEMPTS) {
              logger.error('webhook delivery failed after retries (dead letter)', { ...message, error });
              return;
            }
            await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
          }
        }
      })();
      inFlight.add(run);
      void run.finally(() => inFlight.delete(run));
    },
  };
}

/** Tests: resolves once every locally queued delivery (and any it queued meanwhile) is processed. */
export async function drainWebhookQueue(): Promise<void> {
  while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
}
