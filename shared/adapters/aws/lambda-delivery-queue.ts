/**
 * The delivery queue in AWS: the receiver invokes the processor function asynchronously. Lambda's own
 * queue holds the event, retries it, and hands it to a dead-letter queue when retries run out; nothing
 * is polled (or billed) while no delivery comes. The Lambda client loads on the first delivery only.
 */
import type { DeliveryQueue } from '../../ports/delivery-queue';
import { classifyTransientErrors } from './transient';
import { traced } from '../../observability/powertools';

export function lambdaDeliveryQueue(functionName: string): DeliveryQueue {
  let client: Promise<{ send: (payload: string) => Promise<unknown> }> | undefined;
  const lambda = () =>
    (client ??= import('./sdk/lambda').then(({ LambdaClient, InvokeCommand }) => {
      const c = classifyTransientErrors(traced(new LambdaClient({})));
      return {
        send: (payload: string) =>
          c.send(new InvokeCommand({ FunctionName: functionName, InvocationType: 'Event', Payload: new TextEncoder().encode(payload) })),
      };
    }));
  return { send: async (message) => void (await (await lambda()).send(JSON.stringify(message))) };
}
