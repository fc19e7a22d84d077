/**
 * The workspace's state as terraform sees it: an `http` backend served by the executor on the
 * loopback interface, reading and writing the one state object of the step's grant (a presigned URL
 * pair in AWS). terraform never holds a storage credential, and neither does anything else in the
 * step: a user's script reaching this proxy reaches its own workspace's state, nothing more.
 *
 * Locking: the workspace queue runs one job of a workspace at a time, so the lock only has to hold
 * within the step; the proxy keeps it (terraform's LOCK/UNLOCK) and refuses a write under another
 * lock. Its address carries a random path, and reaches terraform through the http backend's
 * environment variables (TF_HTTP_*), so the override file stays the same from step to step.
 *
 * The proxy holds the state as the step started with it (read once, by seedState) and every write
 * since: nothing else writes the workspace's backend state while its one job runs, so terraform's
 * reads and the save after the step need no request of their own.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ObjectGrant } from '../shared/runs/executor-contract';
import type { Artifacts } from './artifacts';

export interface StateProxy {
  /** The http backend's settings for terraform's environment. */
  env: Record<string, string>;
  /** The state as terraform last left it (empty: none). */
  current(): Buffer;
  /** False once a write failed: the store may hold what terraform wrote even though it was told otherwise. */
  certain(): boolean;
  close(): Promise<void>;
}

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const lockId = (text: Buffer) => {
  try {
    const id = (JSON.parse(text.toString('utf8')) as { ID?: unknown }).ID;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
};

export async function startStateProxy(artifacts: Pick<Artifacts, 'write'>, state: ObjectGrant, initial: Buffer): Promise<StateProxy> {
  let held = initial;
  let certain = true;
  const root = `/${randomUUID()}`;
  let lock: { id: string; info: Buffer } | undefined;
  const answer = (res: ServerResponse, status: number, text = '', type = 'text/plain') => res.writeHead(status, { 'content-type': type }).end(text);

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    if (url.pathname === `${root}/state`) {
      if (method === 'GET') {
        return held.length > 0 ? answer(res, 200, held.toString('utf8'), 'application/json') : answer(res, 404);
      }
      if (method === 'POST' || method === 'PUT') {
        const given = url.searchParams.get('ID');
        if (lock && given !== lock.id) return answer(res, 409, lock.info.toString('utf8'), 'application/json');
        const written = await body(req);
        try {
          await artifacts.write(state.put, written, 'application/json');
        } catch (error) {
          certain = false;
          throw error;
        }
        held = written;
        return answer(res, 200);
      }
      return answer(res, 405);
    }
    if (url.pathname === `${root}/lock`) {
      const info = await body(req);
      const id = lockId(info);
      if (method === 'LOCK') {
        if (lock) return answer(res, 423, lock.info.toString('utf8'), 'application/json');
        if (!id) return answer(res, 400, 'lock info without an ID');
        lock = { id, info };
        return answer(res, 200);
      }
      if (method === 'UNLOCK') {
        // terraform force-unlock sends only the ID; a plain unlock sends the lock info it holds.
        if (lock && id && id !== lock.id) return answer(res, 409, lock.info.toString('utf8'), 'application/json');
        lock = undefined;
        return answer(res, 200);
      }
      return answer(res, 405);
    }
    return answer(res, 404);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: Error) => {
      // The message names the object and status, never a URL (executor/artifacts.ts).
      if (!res.headersSent) answer(res, 502, `the state store failed: ${error.message}`);
      else res.destroy();
    });
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok());
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}${root}`;
  return {
    env: {
      TF_HTTP_ADDRESS: `${base}/state`,
      TF_HTTP_UPDATE_METHOD: 'POST',
      TF_HTTP_LOCK_ADDRESS: `${base}/lock`,
      TF_HTTP_UNLOCK_ADDRESS: `${base}/lock`,
    },
    current: () => held,
    certain: () => certain,
    // Stops listening and drops terraform's connections now; the close itself completes in the background.
    close: async () => {
      server.closeAllConnections();
      server.close();
    },
  };
}
