/**
 * One request of the executor to its step's objects (the engine's object server locally, S3's presigned
 * URLs in AWS) over node:http(s) with kept-alive connections: it costs about half the CPU time of a
 * fetch() on the same connection (issue 16: a step makes ten or so, several on its path). A free
 * connection is dropped after 4 s, before a server's usual 5 s keep-alive ends it under a new request.
 */
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';

export interface Reply {
  status: number;
  ok: boolean;
  /** The body as a stream (read it, or `discard` it so the connection can serve the next request). */
  body: IncomingMessage;
  bytes(): Promise<Buffer>;
  text(): Promise<string>;
  discard(): void;
}

const agents = {
  'http:': new http.Agent({ keepAlive: true, timeout: 4000 }),
  'https:': new https.Agent({ keepAlive: true, timeout: 4000 }),
};

async function bytesOf(body: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function send(method: string, url: URL, body: Buffer | undefined, contentType: string | undefined): Promise<Reply> {
  const protocol = url.protocol === 'https:' ? 'https:' : 'http:';
  const client = protocol === 'https:' ? https : http;
  const headers: Record<string, string | number> = {};
  if (contentType) headers['content-type'] = contentType;
  if (body !== undefined) headers['content-length'] = body.length;
  return new Promise((resolve, reject) => {
    const req = client.request(url, { method, agent: agents[protocol], headers }, (res) => {
      const status = res.statusCode ?? 0;
      resolve({ status, ok: status >= 200 && status < 300, body: res, bytes: () => bytesOf(res), text: async () => (await bytesOf(res)).toString('utf8'), discard: () => void res.resume() });
    });
    // A kept-alive connection the server closed just as it was reused: tried once more at once, on a new one.
    req.once('error', (error) => reject(Object.assign(error, { reusedSocket: req.reusedSocket })));
    req.end(body);
  });
}

/** Sends a request; a network error on a reused connection is retried at once, any other is thrown (its message names no URL's query). */
export async function httpRequest(method: 'GET' | 'PUT' | 'DELETE', url: string, body?: Buffer, contentType?: string): Promise<Reply> {
  const target = new URL(url);
  if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new Error(`unsupported protocol ${target.protocol}`);
  try {
    return await send(method, target, body, contentType);
  } catch (error) {
    if (!(error as { reusedSocket?: boolean }).reusedSocket) throw error;
    return send(method, target, body, contentType);
  }
}
