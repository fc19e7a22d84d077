/**
 * What the Terrakube UI's run page sees live, through `npm start` as a real process: a graphql-ws client
 * (the library and protocol the UI uses, ui/src/modules/api/subscriptionClient.ts) subscribed to
 * `jobStatusChanged` and `organizationJobStatusChanged` while a job plans, waits for approval and
 * applies with real terraform; an outsider and a bad token get nothing; and GET /context/v1/{jobId}
 * (and its /stream) before the plan, after it and after the apply.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issuePersonalAccessToken } from '../../shared/auth/tokens';
import { TF_CONFIG, gitRepo } from '../helpers/engine';
import { checkedHttp } from '../helpers/checked-http';
import { checkOpenApi } from '../helpers/openapi-conformance';
import { startServer, type RunningServer } from '../helpers/server';

const SECRET = 'e2e-live-secret-e2e-live-secret-e2e-live-secret';
const dataDir = mkdtempSync(join(tmpdir(), 'terrakube-e2e-live-'));
const repo = gitRepo({ 'main.tf': `${TF_CONFIG}output "secret" {\n  value     = "s3cr3t"\n  sensitive = true\n}\n` });
let server: RunningServer;
let admin: string;
let dev: string;
let outsider: string;
let org: string;
const clients: Client[] = [];

// The UI's documents, verbatim (ui/src/modules/workspaces/hooks/useJobStatusSubscription.ts:16-24,
// useOrganizationJobStatusSubscription.ts:11-19).
const WORKSPACE_FEED = 'subscription OnJobStatusChanged($workspaceId: ID!) { jobStatusChanged(workspaceId: $workspaceId) { jobId workspaceId status } }';
const ORG_FEED =
  'subscription OnOrganizationJobStatusChanged($organizationId: ID!) { organizationJobStatusChanged(organizationId: $organizationId) { jobId workspaceId status } }';

const http = checkedHttp(() => server.url);
const create = async (path: string, type: string, attributes: Record<string, unknown>, token = admin, relationships?: unknown) => {
  const res = await http('POST', `/api/v1/organization/${org}/${path}`, token, { data: { type, attributes, ...(relationships ? { relationships } : {}) } });
  expect(res.status, res.text).toBe(201);
  return res.body.data.id as string;
};
const job = async (id: string) => (await http('GET', `/api/v1/organization/${org}/job/${id}?include=step`, admin)).body;
async function until(id: string, pred: (status: string) => boolean, ms = 60_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const read = await job(id);
    if (pred(read.data.attributes.status)) return read;
    if (Date.now() > deadline) throw new Error(`job ${id} is still ${read.data.attributes.status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The job's context once it holds `keys`: a step's view is recorded right after its result (off the
 * job's path), so it may follow the status by a few tens of milliseconds; the UI reads it every 5 s.
 */
async function contextWith(id: string, token: string, keys: string[], ms = 10_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const body = (await http('GET', `/context/v1/${id}`, token)).body;
    if (keys.every((k) => Object.keys(body[k] ?? {}).length > 0) || Date.now() > deadline) return body;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A graphql-ws client as the UI makes it: the token in connection_init, lazy, one socket. */
function client(token: string, onClosed?: (code: number) => void): Client {
  const c = createClient({
    url: `${server.url.replace(/^http/, 'ws')}/subscriptions`,
    webSocketImpl: WebSocket,
    connectionParams: () => ({ Authorization: `Bearer ${token}` }),
    retryAttempts: 0,
    on: { closed: (event) => onClosed?.((event as { code: number }).code) },
  });
  clients.push(c);
  return c;
}

/** Every event (or error) a subscription receives, from now on. */
function watch(c: Client, query: string, variables: Record<string, string>) {
  const events: any[] = [];
  const errors: unknown[] = [];
  let completed = false;
  c.subscribe({ query, variables }, { next: (r) => events.push(r), error: (e) => errors.push(e), complete: () => (completed = true) });
  return { events, errors, done: () => completed };
}

async function eventually(check: () => void, ms = 10_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

beforeAll(async () => {
  server = await startServer({ TERRAKUBE_DATA_DIR: dataDir, TERRAKUBE_PAT_SECRET: SECRET, LOG_LEVEL: 'warn' });
  admin = await issuePersonalAccessToken({ email: 'admin@example.com', groups: ['TERRAKUBE_ADMIN'] }, SECRET);
  dev = await issuePersonalAccessToken({ email: 'dev@example.com', groups: ['DEVS'] }, SECRET);
  outsider = await issuePersonalAccessToken({ email: 'eve@example.com', groups: ['OTHERS'] }, SECRET);
  org = (await http('POST', '/api/v1/organization', admin, { data: { type: 'organization', attributes: { name: 'e2e-live' } } })).body.data.id;
  await create('team', 'team', { name: 'DEVS', manageWorkspace: true, manageJob: true, manageTemplate: true });
}, 130_000);
afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await server?.stop('SIGTERM');
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(repo.path, { recursive: true, force: true });
});

describe('live job status and the job context, as the UI reads them', () => {
  it('pushes every status of a plan → approve → apply to both feeds, and the context follows the run', async () => {
    const ws = await create('workspace', 'workspace', { name: 'live', source: repo.path }, dev);
    const templates = (await http('GET', `/api/v1/organization/${org}/template`, dev)).body.data;
    const cli = templates.find((t: any) => t.attributes.name === 'Terraform-Plan/Apply-Cli').id;
    const c = client(dev);
    const byWorkspace = watch(c, WORKSPACE_FEED, { workspaceId: ws });
    const byOrg = watch(c, ORG_FEED, { organizationId: org });
    const stranger = watch(client(outsider), WORKSPACE_FEED, { workspaceId: ws });
    // graphql-ws acknowledges no subscribe: give the server a moment to open both feeds.
    await new Promise((r) => setTimeout(r, 1000));

    const id = await create('job', 'job', { templateReference: cli }, dev, { workspace: { data: { type: 'workspace', id: ws } } });
    expect((await http('GET', `/context/v1/${id}`, dev)).body).toEqual({});

    const waiting = await until(id, (s) => s === 'waitingApproval');
    const steps = waiting.included.sort((a: any, b: any) => a.attributes.stepNumber - b.attributes.stepNumber);
    const [planStep, applyStep] = [steps[0], steps.at(-1)];
    const afterPlan = await contextWith(id, dev, ['planStructuredOutput']);
    expect(Object.keys(afterPlan)).toEqual(['planStructuredOutput']);
    expect(afterPlan.planStructuredOutput[planStep.id]).toEqual([
      expect.objectContaining({ address: 'terraform_data.example', resourceType: 'terraform_data', resourceName: 'example', actions: ['create'], action: 'create', after: expect.objectContaining({ input: 'hello' }) }),
    ]);
    expect((await http('GET', `/context/v1/${id}`, outsider)).status).toBe(404);

    expect((await http('PATCH', `/api/v1/organization/${org}/job/${id}`, admin, { data: { type: 'job', id, attributes: { status: 'approved' } } })).status).toBe(204);
    await until(id, (s) => s === 'completed');
    const afterApply = await contextWith(id, dev, ['applyStructuredOutput', 'terraformOutputs']);
    expect(afterApply.planStructuredOutput[planStep.id]).toHaveLength(1);
    expect(afterApply.applyStructuredOutput[applyStep.id]).toEqual([expect.objectContaining({ address: 'terraform_data.example', status: 'applied' })]);
    expect(afterApply.terraformOutputs[applyStep.id]).toEqual(
      expect.arrayContaining([
        { name: 'value', value: 'hello', sensitive: false, type: 'string' },
        { name: 'secret', value: '(sensitive value)', sensitive: true, type: 'string' },
      ]),
    );
    expect(JSON.stringify(afterApply)).not.toContain('s3cr3t');
    // The overview's fallback for resources and outputs: the current raw state.
    const state = await fetch(`${server.url}/tfstate/v1/organization/${org}/workspace/${ws}/state/terraform.tfstate`, { headers: { authorization: `Bearer ${dev}` } });
    expect(state.status).toBe(200);
    expect(((await state.json()) as any).outputs.value.value).toBe('hello');
    const strangerState = await fetch(`${server.url}/tfstate/v1/organization/${org}/workspace/${ws}/state/terraform.tfstate`, { headers: { authorization: `Bearer ${outsider}` } });
    expect(strangerState.status).toBe(404);
    // The run page's live stream: what is recorded, one event per phase, then the end (no reconnect).
    const stream = await fetch(`${server.url}/context/v1/${id}/stream`, { headers: { authorization: `Bearer ${dev}` } });
    expect(stream.headers.get('content-type')).toBe('text/event-stream');
    const streamed = await stream.text();
    checkOpenApi('GET', `/context/v1/${id}/stream`, stream.status, stream.headers.get('content-type'), streamed);
    const pushed = streamed.split('\n\n').filter(Boolean).map((e) => JSON.parse(e.replace(/^data: /, '')));
    expect(pushed.map((e) => e.phase)).toEqual(['plan', 'apply']);
    expect(pushed[1].changes[applyStep.id][0].status).toBe('applied');

    const statuses = (events: any[], field: string) => events.map((e) => e.data[field]).filter((e) => e.jobId === Number(id)).map((e) => e.status);
    // A warm executor takes each step the moment it is dispatched: the step is running from that write on, never queued.
    const expected = ['pending', 'running', 'waitingApproval', 'approved', 'running', 'completed'];
    await eventually(() => expect(statuses(byWorkspace.events, 'jobStatusChanged')).toEqual(expected));
    await eventually(() => expect(statuses(byOrg.events, 'organizationJobStatusChanged')).toEqual(expected));
    expect(byWorkspace.events[0]).toEqual({ data: { jobStatusChanged: { jobId: Number(id), workspaceId: ws, status: 'pending' } } });
    // An outsider's subscription to the workspace ends with an error and sees none of it.
    expect(stranger.events.every((e) => e.errors && !e.data)).toBe(true);
    expect(stranger.events[0].errors[0].message).toBe(`workspace ${ws} does not exist`);
  }, 120_000);

  it('refuses a connection with a bad token (4403) and an outsider an organization feed', async () => {
    let closed = 0;
    const bad = watch(client('not-a-token', (code) => (closed = code)), ORG_FEED, { organizationId: org });
    await eventually(() => expect(closed).toBe(4403));
    expect(bad.events).toEqual([]);
    const stranger = watch(client(outsider), ORG_FEED, { organizationId: org });
    await eventually(() => expect(stranger.done()).toBe(true));
    expect(stranger.events).toEqual([{ errors: [expect.objectContaining({ message: `organization ${org} does not exist` })] }]);
  });
});
