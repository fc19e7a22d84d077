/**
 * Job runs as a user meets them: `npm start` as a real process, curl-like HTTP, a local git repository
 * holding a terraform_data configuration, real terraform. Ends with `npm start` killed mid-job.
 */
import { execSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issuePersonalAccessToken } from '../../shared/auth/tokens';
import { TF_CONFIG, gitRepo } from '../helpers/engine';
import { checkedHttp } from '../helpers/checked-http';
import { startServer, type RunningServer } from '../helpers/server';

const SECRET = 'e2e-runs-secret-e2e-runs-secret-e2e-runs-secret';
const dataDir = mkdtempSync(join(tmpdir(), 'terrakube-e2e-runs-'));
let server: RunningServer;
let admin: string;
let ops: string;
let approver: string;
let org: string;
const repo = gitRepo({ 'main.tf': TF_CONFIG });

const boot = () => startServer({ TERRAKUBE_DATA_DIR: dataDir, TERRAKUBE_PAT_SECRET: SECRET, LOG_LEVEL: 'warn' });

const http = checkedHttp(() => server.url);
const create = async (path: string, type: string, attributes: Record<string, unknown>, token = ops, relationships?: unknown) => {
  const res = await http('POST', `/api/v1/organization/${org}/${path}`, token, { data: { type, attributes, ...(relationships ? { relationships } : {}) } });
  expect(res.status, res.text).toBe(201);
  return res.body.data.id as string;
};
const workspace = (attributes: Record<string, unknown> = {}) => create('workspace', 'workspace', { name: `ws-${crypto.randomUUID().slice(0, 8)}`, source: repo.path, ...attributes });
const job = (ws: string, attributes: Record<string, unknown>) => create('job', 'job', attributes, ops, { workspace: { data: { type: 'workspace', id: ws } } });
const script = (text: string) => ({ tcl: Buffer.from(`flow:\n  - type: customScripts\n    step: 1\n    commands:\n      - { script: "${text}" }\n`).toString('base64') });
const get = async (id: string) => {
  const res = await http('GET', `/api/v1/organization/${org}/job/${id}?include=step`, ops);
  expect(res.status, res.text).toBe(200);
  return { job: res.body.data, steps: (res.body.included ?? []).sort((a: any, b: any) => a.attributes.stepNumber - b.attributes.stepNumber) as any[] };
};
const patch = (id: string, status: string, token = ops) => http('PATCH', `/api/v1/organization/${org}/job/${id}`, token, { data: { type: 'job', id, attributes: { status } } });
async function until(id: string, pred: (j: any) => boolean, ms = 30_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const read = await get(id);
    if (pred(read.job)) return read;
    if (Date.now() > deadline) throw new Error(`job ${id} is still ${read.job.attributes.status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
const ended = (j: any) => ['completed', 'failed', 'cancelled', 'rejected'].includes(j.attributes.status);
const templateId = async (name: string) => {
  const res = await http('GET', `/api/v1/organization/${org}/template`, ops);
  return res.body.data.find((t: any) => t.attributes.name === name).id as string;
};
const log = async (id: string, stepId: string) => (await http('GET', `/tfoutput/v1/organization/${org}/job/${id}/step/${stepId}`, ops)).text;

beforeAll(async () => {
  server = await boot();
  admin = await issuePersonalAccessToken({ email: 'admin@example.com', groups: ['TERRAKUBE_ADMIN'] }, SECRET);
  ops = await issuePersonalAccessToken({ email: 'ops@example.com', groups: ['OPS'] }, SECRET);
  approver = await issuePersonalAccessToken({ email: 'cli@example.com', groups: ['TERRAFORM_CLI'] }, SECRET);
  const res = await http('POST', '/api/v1/organization', admin, { data: { type: 'organization', attributes: { name: 'e2e-runs' } } });
  org = res.body.data.id;
  for (const [name, flags] of [['OPS', { manageWorkspace: true, manageJob: true, manageTemplate: true }], ['TERRAFORM_CLI', {}]] as const) {
    await create('team', 'team', { name, ...flags }, admin);
  }
});
afterAll(async () => {
  await server?.stop('SIGTERM');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('jobs run end to end', () => {
  it('runs Plan and apply from a local git repo; the same job again finds no changes', async () => {
    const ws = await workspace();
    const plan = await templateId('Plan and apply');
    const first = await until(await job(ws, { templateReference: plan }), ended);
    expect(first.job.attributes).toMatchObject({ status: 'completed', planChanges: true, commitId: repo.head });
    expect(await log(first.job.id, first.steps[0].id)).toContain('Plan: 1 to add, 0 to change, 0 to destroy');
    expect(await log(first.job.id, first.steps[1].id)).toContain('Apply complete!');
    const second = await until(await job(ws, { templateReference: plan }), ended);
    expect(second.job.attributes).toMatchObject({ status: 'completed', planChanges: false });
    expect(second.steps.map((s) => s.attributes.status)).toEqual(['completed', 'notExecuted']);
  });

  it('waits for the approval team; approve applies, reject ends rejected', async () => {
    const cli = await templateId('Terraform-Plan/Apply-Cli');
    // Separate workspaces: after the first applies, a second plan in the same one would find no changes.
    const approved = await job(await workspace(), { templateReference: cli });
    const rejected = await job(await workspace(), { templateReference: cli });
    await until(approved, (j) => j.attributes.status === 'waitingApproval');
    expect((await patch(approved, 'approved', ops)).status).toBe(403);
    expect((await patch(approved, 'approved', approver)).status).toBe(204);
    expect((await until(approved, ended)).job.attributes.status).toBe('completed');
    await until(rejected, (j) => j.attributes.status === 'waitingApproval');
    expect((await patch(rejected, 'rejected', approver)).status).toBe(204);
    expect((await get(rejected)).job.attributes.status).toBe('rejected');
  });

  it('cancels a job running sleep 30 within seconds, then runs the next queued job', async () => {
    const ws = await workspace();
    const sleeping = await job(ws, script('sleep 30'));
    const next = await job(ws, script('echo next'));
    await until(sleeping, (j) => j.attributes.status === 'running');
    const t0 = Date.now();
    expect((await patch(sleeping, 'cancelled')).status).toBe(204);
    expect((await get(sleeping)).job.attributes.status).toBe('cancelled');
    expect((await until(next, ended, 10_000)).job.attributes.status).toBe('completed');
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('runs three queued jobs one at a time, oldest first; a locked workspace holds its job until unlocked', async () => {
    const ws = await workspace();
    const ids = [];
    for (const n of [1, 2, 3]) ids.push(await job(ws, script(`echo ${n}; sleep 0.5`)));
    const runs = await Promise.all(ids.map((id) => until(id, ended)));
    for (let i = 1; i < runs.length; i++) {
      expect(Date.parse(runs[i]?.steps[0].attributes.startedDate)).toBeGreaterThanOrEqual(Date.parse(runs[i - 1]?.steps[0].attributes.finishedDate));
    }
    const locked = await workspace({ locked: true });
    const held = await job(locked, script('echo held'));
    await new Promise((r) => setTimeout(r, 1000));
    expect((await get(held)).job.attributes.status).toBe('pending');
    expect((await http('PATCH', `/api/v1/organization/${org}/workspace/${locked}`, ops, { data: { type: 'workspace', id: locked, attributes: { locked: false } } })).status).toBe(204);
    expect((await until(held, ended, 10_000)).job.attributes.status).toBe('completed');
  });
});

describe('npm start killed mid-job', () => {
  let running: string;
  let queued: string;
  let waiting: string;

  beforeAll(async () => {
    const ws = await workspace();
    running = await job(ws, script('echo started; sleep 37'));
    queued = await job(ws, script('echo after the restart'));
    waiting = await job(await workspace(), { templateReference: await templateId('Terraform-Plan/Apply-Cli') });
    await until(running, (j) => j.attributes.status === 'running');
    await until(waiting, (j) => j.attributes.status === 'waitingApproval');
    await server.stop('SIGKILL');
    server = await boot();
  });

  it('leaves no job stuck: the cut-off job fails with the reason and the queue moves on', async () => {
    const cut = await until(running, ended, 15_000);
    expect(cut.job.attributes.status).toBe('failed');
    expect(cut.job.attributes.output).toContain('interrupted');
    expect((await until(queued, ended, 15_000)).job.attributes.status).toBe('completed');
  });

  it('keeps waiting for an approval across the restart, and the approval still works', async () => {
    await until(waiting, (j) => j.attributes.status === 'waitingApproval', 10_000);
    expect((await patch(waiting, 'approved', approver)).status).toBe(204);
    expect((await until(waiting, ended)).job.attributes.status).toBe('completed');
  });

  // A sleep no other test runs: files run in parallel, and their steps show in the same process table.
  it('stopped the executor the killed process had started', () => {
    const left = execSync('ps -eo args', { encoding: 'utf8' }).split('\n').filter((l) => l.includes('sleep 37') && !l.includes('ps -eo'));
    expect(left).toEqual([]);
  });
});
