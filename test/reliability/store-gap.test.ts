/**
 * A gap in the table (issue 13), in process: DynamoDB unreachable while a step runs (the run waits and
 * records the step once it is back), the gateway while `npm start`'s DynamoDB Local is down (writes
 * refused before anything is written, /healthz 503), and a DynamoDB that hangs or answers a proxy's
 * 5xx page (503 within the client's timeouts, never a hung request or a 500).
 */
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downDependencies, reportDependency } from '../../local/dependencies';
import { dispatch } from '../../local/server';
import { createDocumentClient } from '../../shared/store/client';
import { useDocumentClient } from '../../shared/wiring';
import { adminToken, call, useTable } from '../helpers/api';
import { ended, gitRepo, hasStatus, readJob, scriptJob, useEngine, waitForJob } from '../helpers/engine';
import { injectDynamoDbOutage } from '../helpers/faults';
import { createOrganization, createWorkspace, postJob } from '../helpers/fixtures';

useTable();
useEngine();
let admin: string;
let org: string;
let ws: string;
beforeAll(async () => {
  admin = await adminToken();
  org = await createOrganization(admin);
  ws = await createWorkspace(admin, org, { source: gitRepo({ 'README.md': 'gap' }).path });
});

const listJobs = () => call('GET', `/api/v1/organization/${org}/job?filter[job]=workspace.id==${ws}&page[size]=100`, { token: admin });

describe('a step that ends while DynamoDB is unreachable', () => {
  it('is recorded once it is back, with its log; meanwhile requests answer 503 with Retry-After', async () => {
    const id = (await postJob(admin, org, ws, scriptJob('echo written during the gap; sleep 1.5'))).body.data.id as string;
    await waitForJob(admin, org, id, hasStatus('running'));
    const outage = injectDynamoDbOutage();
    try {
      const read = await call('GET', `/api/v1/organization/${org}/job/${id}`, { token: admin });
      const write = await postJob(admin, org, ws, scriptJob('echo never'));
      for (const answer of [read, write]) {
        expect(answer.status, answer.text).toBe(503);
        expect(answer.headers['retry-after']).toBe('2');
        expect(answer.body.errors[0]).toMatchObject({ status: '503', title: 'Service Unavailable' });
      }
      // The step ends (1.5 s) while the table stays away for 3 s: its Advance fails and is retried.
      await new Promise((r) => setTimeout(r, 3000));
    } finally {
      outage.end();
      outage.restore();
    }
    const { job, steps } = await waitForJob(admin, org, id, ended, 90_000);
    expect(job.attributes.status, job.attributes.output).toBe('completed');
    expect(steps[0]?.attributes.status).toBe('completed');
    const log = await call('GET', `/tfoutput/v1/organization/${org}/job/${id}/step/${steps[0]?.id}`, { token: admin });
    expect(log.text).toContain('written during the gap');
    expect(outage.counter.injected).toBeGreaterThan(2);
    // The refused write left nothing behind.
    expect((await listJobs()).body.data.map((j: any) => j.id)).toEqual([id]);
  }, 120_000);
});

describe("the gateway while npm start's DynamoDB Local is down", () => {
  it('refuses writes before touching anything, answers /healthz 503, and lets reads through', async () => {
    const before = (await listJobs()).body.data.length;
    reportDependency('DynamoDB Local', false);
    try {
      const health = await dispatch({ method: 'GET', rawPath: '/healthz', rawQueryString: '', headers: {} });
      expect(health.statusCode).toBe(503);
      expect(JSON.parse(String(health.body))).toMatchObject({ status: 'unavailable', down: { 'DynamoDB Local': expect.any(String) } });
      const write = await postJob(admin, org, ws, scriptJob('echo never'));
      expect(write.status).toBe(503);
      expect(write.headers['retry-after']).toBe('2');
      expect(write.body.errors[0].detail).toContain('DynamoDB Local is restarting');
      expect((await listJobs()).status).toBe(200);
    } finally {
      reportDependency('DynamoDB Local', true);
    }
    expect(downDependencies()).toEqual([]);
    expect((await dispatch({ method: 'GET', rawPath: '/healthz', rawQueryString: '', headers: {} })).statusCode).toBe(200);
    expect((await listJobs()).body.data.length).toBe(before);
  });
});

describe('a DynamoDB that hangs or answers a proxy error page', () => {
  const servers: { close(): void }[] = [];
  const listen = async (server: Server | ReturnType<typeof createHttpServer>) => {
    servers.push(server);
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
    return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  };
  afterAll(() => {
    useDocumentClient(undefined);
    for (const s of servers) s.close();
  });

  it('answers 503 within the client timeouts, never a request left hanging or a 500', async () => {
    const hanging = await listen(createTcpServer(() => undefined));
    const proxy = await listen(
      createHttpServer((_, res) => {
        res.writeHead(502, { 'content-type': 'text/html' }).end('<html><body>502 Bad Gateway</body></html>');
      }),
    );
    for (const endpoint of [hanging, proxy]) {
      useDocumentClient(createDocumentClient(1, endpoint));
      // A hanging DynamoDB would hold this request past the test's timeout: the client's requestTimeout ends it.
      const answer = await call('GET', `/api/v1/organization/${org}/job`, { token: admin });
      expect(answer.status, `${endpoint}: ${answer.text}`).toBe(503);
      expect(answer.headers['retry-after']).toBe('2');
    }
    useDocumentClient(undefined);
    expect((await readJob(admin, org, (await listJobs()).body.data[0].id)).job.attributes.status).toBe('completed');
  }, 60_000);
});
