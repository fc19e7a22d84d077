/** The executor's requests to its step's objects: kept-alive connections, and a connection the server dropped is no failure. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpRequest } from '../../executor/http-request';

let server: Server;
let base: string;
const connections: unknown[] = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => res.writeHead(200, { 'content-type': 'text/plain' }).end(`${req.method} ${req.headers['content-length'] ?? '-'} ${Buffer.concat(chunks).toString()}`));
  });
  server.on('connection', (socket) => connections.push(socket));
  server.keepAliveTimeout = 2000; // announced as `Keep-Alive: timeout=2`: node's agent keeps a free connection about a second
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((done) => server.close(() => done())));

describe('requests to the step objects', () => {
  it('sends the body with its length and reuses the connection for the next request', async () => {
    const before = connections.length;
    expect(await (await httpRequest('PUT', `${base}/a?x=1`, Buffer.from('state'), 'application/json')).text()).toBe('PUT 5 state');
    await new Promise((r) => setTimeout(r, 20)); // node frees the connection shortly after the response ended
    expect(await (await httpRequest('GET', `${base}/a`)).text()).toBe('GET - ');
    expect(connections.length - before).toBe(1);
  });

  it('succeeds after the server closed an idle kept-alive connection', async () => {
    await (await httpRequest('GET', `${base}/b`)).text();
    await new Promise((r) => setTimeout(r, 2300));
    const reply = await httpRequest('DELETE', `${base}/b`);
    expect([reply.status, await reply.text()]).toEqual([200, 'DELETE - ']);
  });

  it('refuses a URL of another protocol', async () => {
    await expect(httpRequest('GET', 'file:///etc/passwd')).rejects.toThrow('unsupported protocol file:');
  });
});
