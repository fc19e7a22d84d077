/**
 * The DynamoDB document client (built once per container by the wiring). A middleware counts every
 * request the service sends, so tests and `npm run bench` can assert the round trips of each operation.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { traced } from '../observability/powertools';

export const roundTrips = {
  total: 0,
  byCommand: {} as Record<string, number>,
  reset(): void {
    this.total = 0;
    this.byCommand = {};
  },
};

/**
 * How long one attempt may wait. Without a limit a DynamoDB that stopped answering (a hung process, a
 * lost connection) holds a request until the function times out; with it the attempt fails (TimeoutError,
 * retried by the SDK, then a 503). DynamoDB answers in milliseconds, DynamoDB Local under load in well
 * under a second: these leave room for both, and 4 attempts stay inside an API function's 15 s.
 */
export const DYNAMODB_TIMEOUTS = { connectionTimeout: 1000, requestTimeout: 3000, throwOnRequestTimeout: true } as const;

/** `endpoint`: tests point a client at a DynamoDB that misbehaves (the service's own come from the environment). */
export function createDocumentClient(maxAttempts: number, endpoint?: string): DynamoDBDocumentClient {
  const client = traced(new DynamoDBClient({ maxAttempts, requestHandler: DYNAMODB_TIMEOUTS, ...(endpoint ? { endpoint } : {}) }));
  client.middlewareStack.add(
    (next, context) => async (args) => {
      roundTrips.total += 1;
      const name = context.commandName ?? 'unknown';
      roundTrips.byCommand[name] = (roundTrips.byCommand[name] ?? 0) + 1;
      return next(args);
    },
    { step: 'initialize', name: 'countRoundTrips' },
  );
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}
