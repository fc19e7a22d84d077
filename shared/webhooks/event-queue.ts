/**
 * The port between the receiver (answers within the provider's timeout) and the processor (creates the
 * job and starts its run). In AWS (WEBHOOK_QUEUE_URL set) an SQS queue with a dead-letter queue feeds
 * the processor function; locally an in-process queue processes in the background, retrying a few times
 * like SQS would. Messages carry only the delivery's key: the delivery record holds the rest.
 */
import { ApiEnv, readEnv } from '../env';
import { logger } from '../logger';

export interface DeliveryMessage {
  webhookId: string;
  deliveryKey: string;
}

export interface EventQueue {
  send(message: DeliveryMessage): Promise<void>;
}

let current: { url: string | undefined; queue: EventQueue } | undefined;

export function eventQueue(): EventQueue {
  const url = readEnv(ApiEnv).WEBHOOK_QUEUE_URL;
  if (!current || current.url !== url) current = { url, queue: url ? sqsQueue(url) : localQueue };
  return current.queue;
}

function sqsQueue(url: string): EventQueue {
  let client: Promise<{ send: (body: string) => Promise<unknown> }> | undefined;
  const sqs = () =>
    (client ??= import('@aws-sdk/client-sqs').then(({ SQSClient, SendMessageCommand }) => {
      const c = new SQSClient({});
      return { send: (body: string) => c.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body })) };
    }));
  return { send: async (message) => void (await (await sqs()).send(JSON.stringify(message))) };
}

const LOCAL_ATTEMPTS = 5;
const inFlight = new Set<Promise<void>>();

/** Runs each message in the background (the receiver does not wait), with SQS-like retries. */
const localQueue: EventQueue = {
  async send(message) {
    const run = (async () => {
      await new Promise((r) => setImmediate(r));
      const { processDelivery } = await import('./process');
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

/** Tests: resolves once every locally queued delivery (and any it queued meanwhile) is processed. */
export async function drainWebhookQueue(): Promise<void> {
  while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
}
