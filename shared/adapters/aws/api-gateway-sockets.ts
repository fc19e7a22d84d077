/** LiveSockets in AWS: the WebSocket API stage's management endpoint (PostToConnection, DeleteConnection). */
import { ApiGatewayManagementApiClient, DeleteConnectionCommand, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { traced } from '../../observability/powertools';
import type { LiveSockets } from '../../subscriptions/gateway';

const clients = new Map<string, ApiGatewayManagementApiClient>();
const isGone = (error: unknown) => (error as { name?: string }).name === 'GoneException' || (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 410;

export function apiGatewaySockets(endpoint: string): LiveSockets {
  let client = clients.get(endpoint);
  if (!client) clients.set(endpoint, (client = traced(new ApiGatewayManagementApiClient({ endpoint }))));
  const c = client;
  return {
    async post(connectionId, message) {
      try {
        await c.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: Buffer.from(message) }));
        return 'sent';
      } catch (error) {
        if (isGone(error)) return 'gone';
        throw error;
      }
    },
    async close(connectionId) {
      await c.send(new DeleteConnectionCommand({ ConnectionId: connectionId })).catch((error: unknown) => {
        if (!isGone(error)) throw error;
      });
    },
  };
}
