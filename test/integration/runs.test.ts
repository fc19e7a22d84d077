/**
 * Job runs through the local engine (the synthesized state machine in aws-local-stepfunctions, the real
 * executor, git and terraform): happy path, no changes, failure, ignoreError, approvals, cancel, queue.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { adminToken, call, token, useTable } from '../helpers/api';
import { b64, createOrganization, createTeam, createWorkspace, doc, postJob, templateId, workspaceLink } from '../helpers/fixtures';
import { TF_CONFIG, ended, gitRepo, hasStatus, readJob, useEngine, waitForJob } from '../helpers/engine';

useTable();
const handle = useEngine();
let admin: string;
let org: string;
let operator: string;
let approver: string;
let reader: string;
let repo: ReturnType<typeof gitRepo>;

beforeAll(async () => {
  admin = await adminToken();
  org = await createOrganization(admin);
  await createTeam(admin, org, 'OPS', { manageJob: true, manageWorkspace: true, manageTemplate: true });
  await createTeam(admin, org, 'APPROVERS');
  await createTeam(admin, org, 'READERS');
  operator = await token('ops@example.com', ['OPS']);
  approver = await token('boss@example.com', ['APPROVERS']);
  reader = await token('reader@example.com', ['READERS']);
  repo = gitRepo({ 'main.tf': TF_CONFIG });
});

const workspace = (attributes: Record<string, unknown> = {}) => createWorkspace(operator, org, { source: repo.path, ...attributes });
const template = async (yaml: string) => {
  const res = await call('POST', `/api/v1/organization/${org}/template`, { token: operator, body: doc('template', { name: `t-${crypto.randomUUID()}`, tcl: b64(yaml) }) });
  expect(res.status, res.text).toBe(201);
  return res.body.data.id as string;
};
const start = async (ws: string, attributes: Record<string, unknown>) => {
  const res = await postJob(operator, org, ws, attributes);
  expect(res.status, res.text).toBe(201);
  return res.body.data.id as string;
};
const patchStatus = (id: string, status: string, tok = operator) =>
  call('PATCH', `/api/v1/organization/${org}/job/${id}`, { token: tok, body: { data: { type: 'job', id, attributes: { status } } } });
const log = async (id: string, stepId: string) => {
  const res = await call('GET', `/tfoutput/v1/organization/${org}/job/${id}/step/${stepId}`, { token: reader });
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
  return res.text;
};

async function waitForLog(id: string, stepId: string, text: string) {
  for (let i = 0; i < 200; i++) {
    if ((await log(id, stepId)).includes(text)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`log of job ${id} never showed '${text}'`);
}

describe('running jobs', () => {
  it('runs Plan and apply to completion, then finds no changes the second time', async () => {
    const ws = await workspace();
    const plan = await templateId(admin, org, 'Plan and apply');
    const id = await start(ws, { templateReference: plan });
    const { job, steps } = await waitForJob(reader, org, id, ended);
    expect(job.attributes).toMatchObject({ status: 'completed', planChanges: true, commitId: repo.head });
    expect(steps.map((s) => [s.attributes.name, s.attributes.status])).toEqual([['Plan', 'completed'], ['Apply', 'completed']]);
    expect(await log(id, steps[0]?.id as string)).toMatch(/terraform_data\.example will be created[\s\S]*Plan: 1 to add/);
    expect(await log(id, steps[1]?.id as string)).toContain('Apply complete! Resources: 1 added');
    expect(steps[0]?.attributes.output).toBe(`http://localhost:8080/tfoutput/v1/organization/${org}/job/${id}/step/${steps[0]?.id}`);
    // The apply ran chained to its plan, in the same executor process: Advance, Route, Execute, Advance, Route, Done.
    expect(handle.engine.transitions({ organizationId: org, jobId: Number(id) })).toBe(6);

    const again = await start(ws, { templateReference: plan });
    const second = await waitForJob(reader, org, again, ended);
    expect(second.job.attributes).toMatchObject({ status: 'completed', planChanges: false, commitId: repo.head });
    expect(second.steps.map((s) => s.attributes.status)).toEqual(['completed', 'notExecuted']);
    expect(await log(again, second.steps[0]?.id as string)).toContain('No changes.');
  });

  it('fails the job when a step fails, skipping the rest, and frees the workspace', async () => {
    const broken = gitRepo({ 'main.tf': 'resource "terraform_data" "x" {\n  input = var.missing\n}\n' });
    const ws = await workspace({ source: broken.path });
    const first = await start(ws, { command: 'apply' });
    const second = await start(ws, { tcl: b64('flow:\n  - type: customScripts\n    step: 1\n    commands:\n      - { script: "echo second job ran" }\n') });
    const { job, steps } = await waitForJob(reader, org, first, ended);
    expect(job.attributes.status).toBe('failed');
    expect(job.attributes.output).toContain('Plan: terraform plan failed (exit 1)');
    expect(steps.map((s) => s.attributes.status)).toEqual(['failed', 'notExecuted']);
    expect((await waitForJob(reader, org, second, ended)).job.attributes.status).toBe('completed');
  });

  it('carries on past a failed step with ignoreError', async () => {
    const ws = await workspace();
    const flow = await template(
      'flow:\n  - type: customScripts\n    step: 100\n    ignoreError: true\n    commands:\n      - { script: "exit 3" }\n' +
        '  - type: customScripts\n    step: 200\n    commands:\n      - { script: "echo carried on" }\n',
    );
    const { job, steps } = await waitForJob(reader, org, await start(ws, { templateReference: flow }), ended);
    expect(job.attributes.status).toBe('completed');
    expect(steps.map((s) => s.attributes.status)).toEqual(['failed', 'completed']);
    expect(await log(job.id, steps[1]?.id as string)).toContain('carried on');
  });
});

describe('approvals', () => {
  const approvalFlow = 'flow:\n  - type: terraformPlan\n    step: 100\n  - type: approval\n    step: 150\n    team: APPROVERS\n  - type: terraformApply\n    step: 200\n';

  it('waits for a member of the approval team, then applies the plan', async () => {
    const ws = await workspace();
    const id = await start(ws, { templateReference: await template(approvalFlow) });
    const waiting = await waitForJob(reader, org, id, hasStatus('waitingApproval'));
    expect(waiting.job.attributes.approvalTeam).toBe('APPROVERS');
    expect(waiting.steps.map((s) => s.attributes.status)).toEqual(['completed', 'running', 'pending']);
    expect((await patchStatus(id, 'approved', reader)).status).toBe(403);
    expect((await patchStatus(id, 'approved', operator)).status).toBe(403);
    expect((await patchStatus(id, 'approved', approver)).status).toBe(204);
    const { job, steps } = await waitForJob(reader, org, id, ended);
    expect(job.attributes.status).toBe('completed');
    expect(steps.map((s) => s.attributes.status)).toEqual(['completed', 'completed', 'completed']);
    const applied = await log(id, steps[2]?.id as string);
    expect(applied).toContain('Apply complete');
    // The apply after the approval wait went on in the plan's checkout and init (issue 16) …
    expect(applied).toContain('reusing the checkout and init of an earlier step of the job');
    expect(applied).not.toContain('$ terraform init');
    expect((await patchStatus(id, 'approved', approver)).status).toBe(409);
    // … and the job's directory went with the run.
    await handle.engine.idle(10_000);
    await vi.waitFor(() => expect(readdirSync(join(handle.filesDir, 'work', 'jobs'))).toEqual([]));
  });

  it('ends rejected when the approval team rejects, and frees the workspace', async () => {
    const ws = await workspace();
    const id = await start(ws, { templateReference: await template(approvalFlow) });
    const next = await start(ws, { command: 'plan' });
    await waitForJob(reader, org, id, hasStatus('waitingApproval'));
    expect((await readJob(reader, org, next)).job.attributes.status).toBe('pending');
    expect((await patchStatus(id, 'rejected', approver)).status).toBe(204);
    const { job, steps } = await readJob(reader, org, id);
    expect(job.attributes.status).toBe('rejected');
    expect(steps.map((s) => s.attributes.status)).toEqual(['completed', 'failed', 'notExecuted']);
    expect((await waitForJob(reader, org, next, ended)).job.attributes.status).toBe('completed');
  });

  it('does not wait with autoApply', async () => {
    const ws = await workspace();
    const { job, steps } = await waitForJob(reader, org, await start(ws, { templateReference: await template(approvalFlow), autoApply: true }), ended);
    expect(job.attributes.status).toBe('completed');
    expect(steps.map((s) => s.attributes.status)).toEqual(['completed', 'completed', 'completed']);
  });
});

describe('a plan and its apply in one go (chained steps)', () => {
  const contexts = (id: string) => {
    const dir = join(handle.filesDir, 'runs', org, id);
    return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
  };

  it('runs the apply right after its plan, and a plan without changes leaves its apply unrun and its context deleted', async () => {
    const ws = await workspace();
    const plan = await templateId(admin, org, 'Plan and apply');
    const id = await start(ws, { templateReference: plan });
    const { job, steps } = await waitForJob(reader, org, id, ended);
    expect(job.attributes.status).toBe('completed');
    const [planStep, applyStep] = steps.map((s) => s.attributes);
    // The apply starts once the plan has ended, and each has its own log.
    expect(Date.parse(applyStep.startedDate)).toBeGreaterThanOrEqual(Date.parse(planStep.finishedDate));
    expect(Date.parse(applyStep.finishedDate)).toBeGreaterThanOrEqual(Date.parse(applyStep.startedDate));
    expect(await log(id, steps[1]?.id as string)).toMatch(/reusing the checkout and init[\s\S]*Apply complete!/);
    expect(job.attributes.output).toBe('Plan: plan found changes\nApply: apply complete');

    const again = await start(ws, { templateReference: plan });
    const second = await waitForJob(reader, org, again, ended);
    expect(second.steps.map((s) => s.attributes.status)).toEqual(['completed', 'notExecuted']);
    await handle.engine.idle();
    // Both contexts were written when the plan was dispatched (they hold the workspace's secrets): none is left.
    expect(contexts(id)).toEqual([]);
    expect(contexts(again)).toEqual([]);
  });

  it('cancels a chained apply while it runs, killing its process', async () => {
    const slow = gitRepo({ 'main.tf': 'resource "terraform_data" "slow" {\n  provisioner "local-exec" {\n    command = "echo applying; sleep 31"\n  }\n}\n' });
    const ws = await workspace({ source: slow.path });
    const id = await start(ws, { templateReference: await templateId(admin, org, 'Plan and apply') });
    const running = await waitForJob(reader, org, id, (j) => j.attributes.status === 'running');
    await vi.waitFor(async () => expect((await readJob(reader, org, id)).steps[1]?.attributes.status).toBe('running'), { timeout: 30_000, interval: 50 });
    await waitForLog(id, running.steps[1]?.id as string, 'applying');
    expect((await patchStatus(id, 'cancelled')).status).toBe(204);
    const { job, steps } = await readJob(reader, org, id);
    expect(job.attributes.status).toBe('cancelled');
    expect(steps.map((s) => s.attributes.status)).toEqual(['completed', 'cancelled']);
    await handle.engine.idle(20_000);
    expect(handle.engine.running).toBe(0);
    // A sleep no other test runs: the cancel took terraform's provisioner down with it.
    const left = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').filter((l) => /^sleep 31$/.test(l.trim()));
    expect(left).toEqual([]);
  });
});

describe('cancel', () => {
  const sleepFlow = 'flow:\n  - type: customScripts\n    step: 1\n    commands:\n      - { script: "echo sleeping; sleep 30" }\n  - type: customScripts\n    step: 2\n    commands:\n      - { script: "echo never" }\n';

  it('cancels a running step at once, kills its process, and starts the next job only once the step has stopped', async () => {
    const ws = await workspace();
    // The step takes a second to stop after its interrupt (as terraform writing its state would); the
    // next job fails if it starts before the step has stopped.
    const stopped = join(handle.filesDir, `stopped-${crypto.randomUUID()}`);
    const id = await start(ws, { tcl: b64(sleepFlow.replace('echo sleeping; sleep 30', `trap 'sleep 1; touch ${stopped}; exit 130' INT; echo sleeping; sleep 30`)) });
    const waiting = await start(ws, { tcl: b64(`flow:\n  - type: customScripts\n    step: 1\n    commands:\n      - { script: "test -f ${stopped}" }\n`) });
    const running = await waitForJob(reader, org, id, (j) => j.attributes.status === 'running');
    await waitForLog(id, running.steps[0]?.id as string, 'sleeping');
    const cancelledAt = Date.now();
    expect((await patchStatus(id, 'cancelled')).status).toBe(204);
    const { job, steps } = await readJob(reader, org, id);
    expect(job.attributes.status).toBe('cancelled');
    expect(steps.map((s) => s.attributes.status)).toEqual(['cancelled', 'cancelled']);
    const next = await waitForJob(reader, org, waiting, ended);
    expect(next.job.attributes.status).toBe('completed');
    expect(Date.parse(next.steps[0]?.attributes.startedDate)).toBeGreaterThanOrEqual(cancelledAt - 1000);
    await handle.engine.idle(20_000);
    expect(handle.engine.running).toBe(0);
  });

  it('cancels a job waiting its turn, and one waiting for approval', async () => {
    const ws = await workspace();
    const approval = await start(ws, { templateReference: await template('flow:\n  - type: approval\n    step: 1\n    team: APPROVERS\n') });
    const queued = await start(ws, { command: 'plan' });
    await waitForJob(reader, org, approval, hasStatus('waitingApproval'));
    expect((await patchStatus(queued, 'cancelled')).status).toBe(204);
    expect((await readJob(reader, org, queued)).job.attributes.status).toBe('cancelled');
    expect((await patchStatus(approval, 'cancelled', approver)).status).toBe(204);
    const { job, steps } = await readJob(reader, org, approval);
    expect(job.attributes.status).toBe('cancelled');
    expect(steps[0]?.attributes.status).toBe('cancelled');
    expect((await patchStatus(approval, 'approved', approver)).status).toBe(409);
  });
});

describe('the workspace queue', () => {
  const slowFlow = (tag: string) => b64(`flow:\n  - type: customScripts\n    step: 1\n    commands:\n      - { script: "echo start ${tag}; sleep 0.3; echo end ${tag}" }\n`);

  it('runs jobs of a workspace one at a time, oldest first, even when created at once', async () => {
    const ws = await workspace();
    const ids = await Promise.all([1, 2, 3].map((n) => start(ws, { tcl: slowFlow(String(n)) })));
    const runs = await Promise.all(ids.map((id) => waitForJob(reader, org, id, ended)));
    const spans = runs
      .map((r) => ({ id: Number(r.job.id), from: Date.parse(r.steps[0]?.attributes.startedDate), to: Date.parse(r.steps[0]?.attributes.finishedDate) }))
      .sort((a, b) => a.id - b.id);
    expect(runs.every((r) => r.job.attributes.status === 'completed')).toBe(true);
    for (let i = 1; i < spans.length; i++) expect(spans[i]?.from).toBeGreaterThanOrEqual(spans[i - 1]?.to as number);
  });

  it('holds jobs while the workspace is locked and starts them when it is unlocked', async () => {
    const ws = await workspace({ locked: true });
    const id = await start(ws, { command: 'plan' });
    await new Promise((r) => setTimeout(r, 500));
    expect((await readJob(reader, org, id)).job.attributes.status).toBe('pending');
    const unlock = await call('PATCH', `/api/v1/organization/${org}/workspace/${ws}`, { token: operator, body: { data: { type: 'workspace', id: ws, attributes: { locked: false } } } });
    expect(unlock.status).toBe(204);
    expect((await waitForJob(reader, org, id, ended)).job.attributes.status).toBe('completed');
  });

  it('records the commit it ran and pins it when asked', async () => {
    const pinnedRepo = gitRepo({ 'main.tf': TF_CONFIG });
    const old = pinnedRepo.head;
    pinnedRepo.commit({ 'extra.tf': 'resource "terraform_data" "more" {}\n' });
    const ws = await workspace({ source: pinnedRepo.path });
    const { job } = await waitForJob(reader, org, await start(ws, { command: 'plan', commitId: old }), ended);
    expect(job.attributes).toMatchObject({ status: 'completed', commitId: old });
  });

  it('passes workspace variables and keeps sensitive ones out of the log', async () => {
    const ws = await workspace();
    const base = `/api/v1/organization/${org}/workspace/${ws}/variable`;
    await call('POST', base, { token: operator, body: doc('variable', { key: 'greeting', value: 'from-a-variable', category: 'TERRAFORM' }) });
    await call('POST', base, { token: operator, body: doc('variable', { key: 'API_TOKEN', value: 'super-secret-token-value', category: 'ENV', sensitive: true }) });
    const flow = await template(
      'flow:\n  - type: terraformPlan\n    step: 100\n    commands:\n      - { before: true, script: "echo token=$API_TOKEN" }\n',
    );
    const { job, steps } = await waitForJob(reader, org, await start(ws, { templateReference: flow }), ended);
    expect(job.attributes.status).toBe('completed');
    const text = await log(job.id, steps[0]?.id as string);
    expect(text).toContain('from-a-variable');
    expect(text).toContain('token=***');
    expect(text).not.toContain('super-secret-token-value');
  });
});

describe('deleting a job that ran', () => {
  it('removes its logs with it', async () => {
    const ws = await workspace();
    const { job, steps } = await waitForJob(reader, org, await start(ws, { command: 'plan' }), ended);
    expect((await log(job.id, steps[0]?.id as string)).length).toBeGreaterThan(0);
    expect((await call('DELETE', `/api/v1/organization/${org}/job/${job.id}`, { token: operator })).status).toBe(204);
    const { readdirSync, existsSync } = await import('node:fs');
    const logs = `${handle.filesDir}/logs/${org}/${job.id}`;
    // The step's view is recorded just after its result (the job may be deleted in between): once the engine is idle, nothing of the job is left.
    await handle.engine.idle();
    await vi.waitFor(() => expect(existsSync(logs) ? readdirSync(logs) : []).toEqual([]));
  });
});

void workspaceLink;
