/**
 * The graphql-ws protocol (graphql-transport-ws) over API Gateway's WebSocket API, where every message
 * is a separate invocation: what `npm start` keeps in the graphql-ws server's memory is kept in the
 * table (repositories/live-connections.ts), and messages go out through the API's management endpoint
 * (the LiveSockets port). Messages are parsed and written with graphql-ws's own helpers; subscriptions
 * are checked with the schema and access rules `npm start` uses. API Gateway cannot close a socket with
 * a code of its own, so where graphql-ws would close with 4400/4401/4403/4409 the connection is
 * dropped (the client sees an abnormal close and, as after a 4403, may retry).
 */
import { GraphQLError } from 'graphql';
import { MessageType, parseMessage, stringifyMessage, type Message } from 'graphql-ws';
import { DomainError } from '../domain/errors';
import { logger } from '../logger';
import type { JobStatusChange } from '../store/writes';
import {
  acceptConnection,
  addSubscription,
  dropConnection,
  openConnection,
  readConnection,
  removeSubscription,
  subscribersOf,
  type LiveSubscription,
} from '../store/repositories/live-connections';
import { authorizeFeed, connectionPrincipal } from './access';
import { parseSubscription, renderEvent, type Feed } from './schema';

/** Port: the sockets API Gateway holds (AWS: the management API's PostToConnection / DeleteConnection). */
export interface LiveSockets {
  /** `gone`: the client is no longer connected (410). */
  post(connectionId: string, message: string): Promise<'sent' | 'gone'>;
  close(connectionId: string): Promise<void>;
}

const send = (sockets: LiveSockets, connectionId: string, message: Message) => sockets.post(connectionId, stringifyMessage(message));

export const connected = (connectionId: string) => openConnection(connectionId);

export async function disconnected(connectionId: string): Promise<void> {
  await dropConnection(connectionId);
}

async function refuse(sockets: LiveSockets, connectionId: string, reason: string): Promise<void> {
  logger.info('live connection dropped', { reason });
  await dropConnection(connectionId);
  await sockets.close(connectionId);
}

/** One message a client sent. */
export async function received(connectionId: string, body: string, sockets: LiveSockets): Promise<void> {
  let message: Message;
  try {
    message = parseMessage(body);
  } catch (error) {
    return refuse(sockets, connectionId, `invalid message: ${(error as Error).message}`);
  }
  switch (message.type) {
    case MessageType.ConnectionInit: {
      const principal = await connectionPrincipal(message.payload);
      if ('error' in principal) return refuse(sockets, connectionId, principal.error);
      if (!(await acceptConnection(connectionId, principal))) return refuse(sockets, connectionId, 'too many initialisation requests');
      await send(sockets, connectionId, { type: MessageType.ConnectionAck });
      return;
    }
    case MessageType.Ping:
      await send(sockets, connectionId, { type: MessageType.Pong });
      return;
    case MessageType.Pong:
      return;
    case MessageType.Complete:
      await removeSubscription(connectionId, message.id);
      return;
    case MessageType.Subscribe: {
      const connection = await readConnection(connectionId);
      if (!connection?.principal) return refuse(sockets, connectionId, 'unauthorized: subscribe before connection_ack');
      const parsed = parseSubscription(message.payload);
      if (Array.isArray(parsed)) {
        await send(sockets, connectionId, { id: message.id, type: MessageType.Error, payload: parsed.map((e) => e.toJSON()) });
        return;
      }
      try {
        await authorizeFeed(connection.principal, parsed.feed);
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        // As graphql-js reports an error of a subscribe resolver (and `npm start` sends it): a result with errors, then complete.
        await send(sockets, connectionId, { id: message.id, type: MessageType.Next, payload: { errors: [new GraphQLError(error.message).toJSON()] } });
        await send(sockets, connectionId, { id: message.id, type: MessageType.Complete });
        return;
      }
      if (!(await addSubscription({ connectionId, subscriptionId: message.id, ...parsed }))) return refuse(sockets, connectionId, `subscriber for ${message.id} already exists`);
      return;
    }
    default:
      return refuse(sockets, connectionId, `unexpected ${message.type} message`);
  }
}

/** Pushes job status changes to every subscription of their workspace's and organization's feeds. */
export async function fanOut(changes: readonly JobStatusChange[], sockets: LiveSockets): Promise<void> {
  for (const change of changes) {
    const feeds: Feed[] = [
      { kind: 'workspace', id: change.workspaceId },
      { kind: 'organization', id: change.organizationId },
    ];
    const subscriptions = (await Promise.all(feeds.map(subscribersOf))).flat();
    const gone = new Set<string>();
    await Promise.all(
      subscriptions.map(async (s: LiveSubscription) => {
        const payload = renderEvent(s, change);
        if ((await send(sockets, s.connectionId, { id: s.subscriptionId, type: MessageType.Next, payload })) === 'gone') gone.add(s.connectionId);
      }),
    );
    // A disconnect API Gateway never reported: forget the connection now.
    for (const connectionId of gone) await dropConnection(connectionId);
  }
}

/** The job status changes a DynamoDB stream batch carries: new jobs, and jobs whose status changed. */
export function jobStatusChanges(records: readonly { eventName?: string; dynamodb?: { NewImage?: Record<string, StreamValue>; OldImage?: Record<string, StreamValue> } }[]): JobStatusChange[] {
  return records.flatMap((r) => {
    const next = r.dynamodb?.NewImage;
    const before = r.dynamodb?.OldImage;
    const status = next?.status?.S;
    if (!next?.sk?.S?.startsWith('JOB#') || !status || before?.status?.S === status) return [];
    const organizationId = next.organizationId?.S;
    const workspaceId = next.workspaceId?.S;
    const jobId = Number(next.id?.N);
    if (!organizationId || !workspaceId || !Number.isSafeInteger(jobId)) return [];
    return [{ organizationId, workspaceId, jobId, status }];
  });
}

type StreamValue = { S?: string; N?: string };
