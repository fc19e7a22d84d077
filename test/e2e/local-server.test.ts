/**
 * `npm start` as a user meets it: a real process with DynamoDB Local, curl-like HTTP calls, the token it
 * prints, data that survives a restart, and no java process left behind.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkAnswer } from '../helpers/jsonapi-conformance';
import { checkOpenApi } from '../helpers/openapi-conformance';
import { ROOT, processAlive, startServer, type RunningServer } from '../helpers/server';

const dataDir = mkdtempSync(join(tmpdir(), 'terrakube-e2e-'));
let server: RunningServer | undefined;
afterAll(async () => {
  await server?.stop('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

async function http(method: string, path: string, token?: string, body?: unknown, contentType = 'application/vnd.api+json') {
  const res = await fetch(`${server?.url}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': contentType } : {}) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  checkAnswer(method, path, res.headers.get('content-type'), text);
  checkOpenApi(method, path, res.status, res.headers.get('content-type'), text);
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

describe('npm start', () => {
  let admin = '';
  let org = '';

  it('starts DynamoDB Local, answers /healthz and prints an admin token', async () => {
    server = await startServer({ TERRAKUBE_DATA_DIR: dataDir });
    expect((await http('GET', '/healthz')).status).toBe(200);
    admin = server.output().match(/^(eyJ[\w-]+\.[\w-]+\.[\w-]+)$/m)?.[1] ?? '';
    expect(admin).not.toBe('');
    expect(readFileSync(join(dataDir, 'pat-secret'), 'utf8').length).toBeGreaterThan(40);
    // As long as startServer waits: a test timed out before it returned would leave its npm start running.
  }, 130_000);

  it('serves org → team → workspace → template → job, and reads the job back', async () => {
    const orgRes = await http('POST', '/api/v1/organization', admin, { data: { type: 'organization', attributes: { name: 'e2e-org' } } });
    expect(orgRes.status).toBe(201);
    org = orgRes.body.data.id;
    expect(orgRes.headers.get('location')).toBe(`${server?.url}/api/v1/organization/${org}`);

    const team = await http('POST', `/api/v1/organization/${org}/team`, admin, { data: { type: 'team', attributes: { name: 'DEVS', manageWorkspace: true, manageJob: true, manageTemplate: true } } });
    expect(team.status).toBe(201);
    const dev = execFileSync(process.execPath, ['--import', 'tsx', 'scripts/token.ts', '--email', 'dev@example.com', '--groups', 'DEVS'], {
      cwd: ROOT,
      env: { ...process.env, TERRAKUBE_DATA_DIR: dataDir, TERRAKUBE_PAT_SECRET: '' },
    }).toString().trim();

    const ws = await http('POST', `/api/v1/organization/${org}/workspace`, dev, { data: { type: 'workspace', attributes: { name: 'net', source: 'https://github.com/acme/net.git' } } });
    expect(ws.status).toBe(201);
    const tcl = Buffer.from('flow:\n  - type: terraformPlan\n    step: 100\n').toString('base64');
    const template = await http('POST', `/api/v1/organization/${org}/template`, dev, { data: { type: 'template', attributes: { name: 'Just plan', tcl } } });
    expect(template.status).toBe(201);
    const job = await http('POST', `/api/v1/organization/${org}/job`, dev, {
      data: { type: 'job', attributes: { templateReference: template.body.data.id }, relationships: { workspace: { data: { type: 'workspace', id: ws.body.data.id } } } },
    });
    expect(job.status).toBe(201);
    expect(job.body.data).toMatchObject({ id: '1', attributes: { status: 'pending', createdBy: 'dev@example.com' } });
    const read = await http('GET', `/api/v1/organization/${org}/job/1?include=workspace`, dev);
    expect(read.status).toBe(200);
    expect(read.body.included[0].id).toBe(ws.body.data.id);
  });

  it('answers each error of the contract with its status and an error document', async () => {
    const cases: [number, Promise<{ status: number; body: any }>][] = [
      [400, http('POST', `/api/v1/organization/${org}/team`, admin, '{"data":')],
      [401, http('GET', `/api/v1/organization/${org}`)],
      [403, http('POST', '/api/v1/organization', execFileSync(process.execPath, ['--import', 'tsx', 'scripts/token.ts', '--email', 'r@x.io', '--groups', 'DEVS'], { cwd: ROOT, env: { ...process.env, TERRAKUBE_DATA_DIR: dataDir, TERRAKUBE_PAT_SECRET: '' } }).toString().trim(), { data: { type: 'organization', attributes: { name: 'nope' } } })],
      [404, http('GET', `/api/v1/organization/${org}/job/42`, admin)],
      [405, http('DELETE', '/api/v1/organization', admin)],
      [409, http('POST', '/api/v1/organization', admin, { data: { type: 'organization', attributes: { name: 'e2e-org' } } })],
      [415, http('POST', `/api/v1/organization/${org}/team`, admin, 'name=x', 'application/x-www-form-urlencoded')],
    ];
    for (const [status, pending] of cases) {
      const res = await pending;
      expect(res.status).toBe(status);
      expect(res.body.errors[0].status).toBe(String(status));
    }
  });

  it('stops on SIGTERM without leaving DynamoDB Local running, and keeps data and secret across restarts', async () => {
    const javaPid = Number(readFileSync(join(dataDir, 'dynamodb.pid'), 'utf8'));
    expect(processAlive(javaPid)).toBe(true);
    expect(await server?.stop('SIGTERM')).toBe(0);
    expect(processAlive(javaPid)).toBe(false);

    server = await startServer({ TERRAKUBE_DATA_DIR: dataDir });
    const again = await http('GET', `/api/v1/organization/${org}/job/1`, admin);
    expect(again.status).toBe(200);
    const javaPid2 = Number(readFileSync(join(dataDir, 'dynamodb.pid'), 'utf8'));
    expect(await server.stop('SIGINT')).toBe(0);
    expect(processAlive(javaPid2)).toBe(false);
  });
});
