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

export function createDocumentClient(maxAttempts: number): DynamoDBDocumentClient {
  const client = traced(new DynamoDBClient({ maxAttempts }));
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
