/**
 * The port between the receiver (answers within the provider's timeout) and the processor (creates the
 * job and starts its run). In AWS (WEBHOOK_PROCESSOR_FUNCTION set) the receiver invokes the processor
 * asynchronously: Lambda's own queue holds the event, retries it, and hands it to a dead-letter queue
 * when retries run out, and nothing is polled (or billed) while no delivery comes. Locally an
 * in-process queue processes in the background, retrying a few times the same way. Messages carry only
 * the delivery's key: the delivery record holds the rest.
 */
import { classifyTransientErrors } from '../adapters/aws/transient';
import { ApiEnv, readEnv } from '../env';
import { logger } from '../logger';

export interface DeliveryMessage {
  webhookId: string;
  deliveryKey: string;
}

export interface EventQueue {
  send(message: DeliveryMessage): Promise<void>;
}

let current: { target: string | undefined; queue: EventQueue } | undefined;

export function eventQueue(): EventQueue {
  const target = readEnv(ApiEnv).WEBHOOK_PROCESSOR_FUNCTION;
  if (!current || current.target !== target) current = { target, queue: target ? lambdaQueue(target) : localQueue };
  return current.queue;
}

/** Loaded on the first delivery only: the receiver's cold start does not pay for the Lambda client. */
function lambdaQueue(functionName: string): EventQueue {
  let client: Promise<{ send: (payload: string) => Promise<unknown> }> | undefined;
  const lambda = () =>
    (client ??= import('@aws-sdk/client-lambda').then(({ LambdaClient, InvokeCommand }) => {
      const c = classifyTransientErrors(new LambdaClient({}));
      return {
        send: (payload: string) =>
          c.send(new InvokeCommand({ FunctionName: functionName, InvocationType: 'Event', Payload: new TextEncoder().encode(payload) })),
      };
    }));
  return { send: async (message) => void (await (await lambda()).send(JSON.stringify(message))) };
}

const LOCAL_ATTEMPTS = 5;
const inFlight = new Set<Promise<void>>();

/** Runs each message in the background (the receiver does not wait), with retries like Lambda's asynchronous invocation. */
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
