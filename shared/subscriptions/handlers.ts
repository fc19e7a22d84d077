/**
 * The WebSocket API's functions (AWS): $connect records the connection and accepts graphql-ws's
 * subprotocol, $default handles each protocol message, $disconnect forgets the connection; and the table
 * stream's consumer fans job status changes out. None runs while nobody is connected or no job moves.
 */
import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2, DynamoDBStreamEvent } from 'aws-lambda';
import { GRAPHQL_TRANSPORT_WS_PROTOCOL } from 'graphql-ws';
import { boot, environment } from '../env';
import { observed } from '../observability/lambda';
import { liveSockets } from '../wiring';
import { connected, disconnected, fanOut, jobStatusChanges, received } from './gateway';

type Event = APIGatewayProxyWebsocketEventV2 & { headers?: Record<string, string | undefined> };
const ok: APIGatewayProxyResultV2 = { statusCode: 200 };
const endpointOf = (event: Event) => `https://${event.requestContext.domainName}/${event.requestContext.stage}`;

export function liveHandler(route: 'connect' | 'message' | 'disconnect') {
  boot('live');
  return observed(async (event: Event): Promise<APIGatewayProxyResultV2> => {
    const connectionId = event.requestContext.connectionId;
    if (route === 'connect') {
      const offered = Object.entries(event.headers ?? {}).find(([k]) => k.toLowerCase() === 'sec-websocket-protocol')?.[1] ?? '';
      // Browsers drop a connection whose handshake does not name the subprotocol they asked for.
      if (!offered.split(',').map((p) => p.trim()).includes(GRAPHQL_TRANSPORT_WS_PROTOCOL)) return { statusCode: 400, body: `only ${GRAPHQL_TRANSPORT_WS_PROTOCOL} is spoken here` };
      await connected(connectionId);
      return { statusCode: 200, headers: { 'Sec-WebSocket-Protocol': GRAPHQL_TRANSPORT_WS_PROTOCOL } };
    }
    if (route === 'disconnect') {
      await disconnected(connectionId);
      return ok;
    }
    await received(connectionId, event.body ?? '', liveSockets(endpointOf(event)));
    return ok;
  });
}

export function fanOutHandler() {
  boot('fanout');
  return observed(async (event: DynamoDBStreamEvent): Promise<void> => {
    const changes = jobStatusChanges(event.Records as never);
    if (changes.length > 0) await fanOut(changes, liveSockets(environment().require('LIVE_ENDPOINT')));
  });
}
