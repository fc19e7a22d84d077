/**
 * The DynamoDB client, created once per container (module scope). A middleware counts every request
 * the service sends, so tests and `npm run bench` can assert the round trips of each operation.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, type ServiceInputTypes, type ServiceOutputTypes } from '@aws-sdk/lib-dynamodb';
import type { Command } from '@smithy/types';
import { unavailableIfTransient } from '../adapters/aws/transient';

export const roundTrips = {
  total: 0,
  byCommand: {} as Record<string, number>,
  reset(): void {
    this.total = 0;
    this.byCommand = {};
  },
};

function createClient(): DynamoDBDocumentClient {
  const client = new DynamoDBClient({ maxAttempts: Number(process.env.DYNAMODB_MAX_ATTEMPTS ?? 4) });
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

let documentClient: DynamoDBDocumentClient | undefined;

export function ddb(): DynamoDBDocumentClient {
  documentClient ??= createClient();
  return documentClient;
}

/** Tests replace the client to inject faults at the SDK boundary. */
export function setDocumentClient(client: DynamoDBDocumentClient | undefined): void {
  documentClient = client;
}

/**
 * Sends one request. Transient failures become Unavailable; a cancelled transaction is left to the
 * caller, which reads its reasons (and classifies what it does not handle).
 */
export async function send<I extends ServiceInputTypes, O extends ServiceOutputTypes>(command: Command<ServiceInputTypes, I, ServiceOutputTypes, O, any>): Promise<O> {
  try {
    return await ddb().send(command);
  } catch (error) {
    if ((error as { name?: string }).name === 'TransactionCanceledException') throw error;
    throw unavailableIfTransient(error);
  }
}
