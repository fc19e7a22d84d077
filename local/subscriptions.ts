/**
 * `/subscriptions` under `npm start`: the graphql-ws protocol (graphql-transport-ws) served by the
 * graphql-ws library on a `ws` server that shares the HTTP server's port. Its events are the job status
 * changes this process commits (the engine's tasks and the API's handlers all write here): the write
 * plans name them, and the commit listener hands them to every open subscription of their feed. In AWS
 * the same schema and access rules run in the WebSocket API's functions, fed by the table's stream.
 */
import { EventEmitter, on } from 'node:events';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { GraphQLError } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Principal } from '../shared/auth/principal';
import { DomainError } from '../shared/domain/errors';
import { logger } from '../shared/logger';
import { authorizeFeed, connectionPrincipal } from '../shared/subscriptions/access';
import { MAX_SUBSCRIPTION_TOKENS, inFeed, subscriptionSchema, type Feed, type FeedContext } from '../shared/subscriptions/schema';
import type { JobStatusChange, TxItem } from '../shared/store/writes';
import { useCommitListener } from '../shared/wiring';

export const SUBSCRIPTIONS_PATH = '/subscriptions';
const CHANGE = 'job-status';

/** Attaches the feed to a server; `close` ends every connection and stops listening to commits. */
export function attachSubscriptions(server: Server): { close(): Promise<void> } {
  const changes = new EventEmitter();
  changes.setMaxListeners(0);
  useCommitListener((items: readonly TxItem[]) => {
    for (const item of items) if (item.jobStatus) changes.emit(CHANGE, item.jobStatus);
  });
  const wss = new WebSocketServer({ noServer: true });
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname.replace(/\/+$/, '');
    if (path !== SUBSCRIPTIONS_PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  };
  server.on('upgrade', onUpgrade);

  const disposable = useServer<Record<string, unknown> | undefined, { principal: Principal }>(
    {
      schema: subscriptionSchema,
      // A bad or missing token: graphql-ws closes with 4403 Forbidden.
      onConnect: async (ctx) => {
        const principal = await connectionPrincipal(ctx.connectionParams);
        if ('error' in principal) {
          logger.info('subscription connection refused', { reason: principal.error });
          return false;
        }
        ctx.extra.principal = principal;
        return true;
      },
      onSubscribe: (_ctx, _id, payload) => {
        if (payload.query.length > MAX_SUBSCRIPTION_TOKENS * 20) return [new GraphQLError('the subscription document is too large')];
        return undefined;
      },
      context: (ctx): FeedContext => ({
        open: async (feed: Feed) => {
          const principal = ctx.extra.principal as Principal;
          try {
            await authorizeFeed(principal, feed);
          } catch (error) {
            if (error instanceof DomainError) throw new GraphQLError(error.message);
            throw error;
          }
          // Listening from now on, before the first event is asked for: none in between is lost.
          return feedOf(changes, feed, ctx.extra.socket);
        },
      }),
    },
    wss,
  );
  return {
    async close() {
      useCommitListener(undefined);
      server.off('upgrade', onUpgrade);
      for (const client of wss.clients) client.terminate();
      await disposable.dispose();
      await new Promise<void>((ok) => wss.close(() => ok()));
    },
  };
}

/** The changes of one feed, from now on, until the subscription or its socket ends. */
function feedOf(changes: EventEmitter, feed: Feed, socket: { once(event: 'close', f: () => void): unknown }): AsyncIterable<JobStatusChange> {
  const stop = new AbortController();
  socket.once('close', () => stop.abort());
  const events = on(changes, CHANGE, { signal: stop.signal }) as AsyncIterableIterator<[JobStatusChange]>;
  return (async function* () {
    try {
      for await (const [change] of events) if (inFeed(feed, change)) yield change;
    } catch (error) {
      if ((error as Error).name !== 'AbortError') throw error;
    } finally {
      stop.abort();
    }
  })();
}
