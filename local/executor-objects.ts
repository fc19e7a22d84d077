/**
 * The local engine's stand-in for S3 as its executors see it: a loopback server of the signed object
 * URLs the file store mints (local/objects.ts), so a local step reaches its job's objects only through
 * the grants Advance minted for it, as a CodeBuild build does with presigned URLs, never by path.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { logger } from '../shared/logger';
import { serveObject } from './objects';

export interface ObjectServer {
  url: string;
  close(): Promise<void>;
}

export async function startObjectServer(root: string, secret: string): Promise<ObjectServer> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    serveObject(req, res, url, { root, secret }).catch((error: Error) => {
      logger.error('executor object request failed', { method: req.method, error: error.message });
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok());
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((done) => {
      server.closeAllConnections();
      server.close(() => done());
    }),
  };
}
