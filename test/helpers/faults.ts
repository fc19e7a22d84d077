/**
 * Faults injected at the AWS SDK boundary (the only way to cause throttling against DynamoDB Local):
 * a document client whose requests fail like DynamoDB does when it throttles, before the SDK's own
 * retry handling, so the service sees exactly what it would see in AWS.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { useDocumentClient } from '../../shared/wiring';

export interface FaultPlan {
  /** Probability that a request fails. */
  rate: number;
  /** Commands affected (default: all). */
  commands?: string[];
}

export interface FaultCounter {
  injected: number;
  requests: number;
}

export function injectDynamoDbFaults(plan: FaultPlan, maxAttempts = 3): { counter: FaultCounter; restore: () => void } {
  const counter: FaultCounter = { injected: 0, requests: 0 };
  const client = new DynamoDBClient({ maxAttempts, retryStrategy: undefined });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      counter.requests++;
      if ((!plan.commands || plan.commands.includes(context.commandName ?? '')) && Math.random() < plan.rate) {
        counter.injected++;
        throw Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), {
          name: 'ThrottlingException',
          $fault: 'client',
          $metadata: { httpStatusCode: 400 },
          $retryable: { throttling: true },
        });
      }
      return next(args);
    },
    { step: 'finalizeRequest', name: 'injectThrottling', priority: 'low' },
  );
  useDocumentClient(DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }));
  return { counter, restore: () => useDocumentClient(undefined) };
}

/**
 * DynamoDB unreachable, as the SDK reports it when nothing listens on its port (ECONNREFUSED, after its
 * own retries), from now until `end()`; `restore()` puts the service's own client back.
 */
export function injectDynamoDbOutage(): { counter: FaultCounter; end: () => void; restore: () => void } {
  const counter: FaultCounter = { injected: 0, requests: 0 };
  let down = true;
  const client = new DynamoDBClient({ maxAttempts: 2 });
  client.middlewareStack.add(
    (next) => async (args) => {
      counter.requests++;
      if (down) {
        counter.injected++;
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8000'), { code: 'ECONNREFUSED', errno: -111, syscall: 'connect', $metadata: {} });
      }
      return next(args);
    },
    { step: 'finalizeRequest', name: 'injectOutage', priority: 'low' },
  );
  useDocumentClient(DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }));
  return { counter, end: () => (down = false), restore: () => useDocumentClient(undefined) };
}
