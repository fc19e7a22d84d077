/**
 * Faults (issue 7): DynamoDB throttling and transient errors at the SDK, an executor killed mid-step,
 * a checkout that fails. The service retries or answers a clean 503 with Retry-After, never leaves a
 * half-written job, and every failed run ends `failed` with its reason and frees the workspace.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../shared/store/keys';
import { getItem, queryAll } from '../../shared/store/table';
import { adminToken, call, useTable } from '../helpers/api';
import { injectDynamoDbFaults } from '../helpers/faults';
import { createOrganization, createWorkspace, postJob } from '../helpers/fixtures';
import { TF_CONFIG, ended, gitRepo, scriptJob, hasStatus, useEngine, waitForJob } from '../helpers/engine';

useTable();
const handle = useEngine();
let admin: string;
let org: string;
let source: string;
beforeAll(async () => {
  admin = await adminToken();
  org = await createOrganization(admin);
  source = gitRepo({ 'main.tf': TF_CONFIG }).path;
});

/** Every job is whole: it sits in its workspace's queue or holds it, or it ended; nothing dangles. */
async function expectConsistent(orgId: string, workspaceId: string): Promise<number> {
  const jobs = (await queryAll({ KeyConditionExpression: 'pk = :p AND begins_with(sk, :s)', ExpressionAttributeValues: { ':p': `ORG#${orgId}`, ':s': 'JOB#' } })).filter((j) => j.workspaceId === workspaceId);
  const ws = await getItem(keys.workspace(workspaceId));
  const queue = (ws?.queue as number[]) ?? [];
  const ids = new Set(jobs.map((j) => Number(j.id)));
  for (const job of jobs) {
    const inWorkspace = ws?.activeJob === job.id || queue.includes(Number(job.id));
    const endedJob = ['completed', 'failed', 'cancelled', 'rejected'].includes(String(job.status));
    expect(inWorkspace || endedJob, `job ${String(job.id)} (${String(job.status)}) is neither queued nor ended`).toBe(true);
    expect(job.gsi2pk).toBe(`ORG#${orgId}#STATUS#${String(job.status)}`);
  }
  for (const id of queue) expect(ids.has(id), `queue holds missing job ${id}`).toBe(true);
  return jobs.length;
}

describe('DynamoDB throttling', () => {
  it('retries or answers 503 with Retry-After, and never leaves a half-written job', async () => {
    const ws = await createWorkspace(admin, org, { source, locked: true });
    const faults = injectDynamoDbFaults({ rate: 0.3 }, 2);
    const answers = [];
    try {
      for (let i = 0; i < 25; i++) {
        answers.push(await postJob(admin, org, ws, { command: 'plan' }));
        answers.push(await call('GET', `/api/v1/organization/${org}/job?filter[job]=workspace.id==${ws}`, { token: admin }));
      }
    } finally {
      faults.restore();
    }
    expect(faults.counter.injected).toBeGreaterThan(10);
    for (const answer of answers) {
      expect([200, 201, 503], answer.text).toContain(answer.status);
      if (answer.status === 503) {
        expect(answer.headers['retry-after']).toBe('1');
        expect(answer.body.errors[0]).toMatchObject({ status: '503', title: 'Service Unavailable' });
      }
    }
    const created = answers.filter((a) => a.status === 201).length;
    expect(created).toBeGreaterThan(0);
    const stored = await expectConsistent(org, ws);
    expect(stored).toBeGreaterThanOrEqual(created);
    console.info(`throttling: ${answers.length} requests, ${faults.counter.requests} DynamoDB calls, ${faults.counter.injected} faults injected, ` +
      `${created} jobs created (201), ${answers.filter((a) => a.status === 503).length} answered 503, ${stored} jobs stored, 0 half-written`);
  }, 90_000);

  it('keeps cancels whole under throttling: a cancelled job leaves the queue in the same write', async () => {
    const ws = await createWorkspace(admin, org, { source, locked: true });
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push((await postJob(admin, org, ws, { command: 'plan' })).body.data.id);
    const faults = injectDynamoDbFaults({ rate: 0.3 }, 2);
    const statuses: number[] = [];
    try {
      for (const id of ids) statuses.push((await call('PATCH', `/api/v1/organization/${org}/job/${id}`, { token: admin, body: { data: { type: 'job', id, attributes: { status: 'cancelled' } } } })).status);
    } finally {
      faults.restore();
    }
    expect(statuses.every((s) => s === 204 || s === 503)).toBe(true);
    await expectConsistent(org, ws);
    console.info(`throttled cancels: ${ids.length} cancels, ${faults.counter.injected} faults injected, ${statuses.filter((s) => s === 503).length} answered 503, 0 torn jobs`);
  });
});

describe('executor and checkout faults', () => {
  it('fails the job with a reason and frees the workspace when the executor dies mid-step', async () => {
    const ws = await createWorkspace(admin, org, { source });
    const dying = (await postJob(admin, org, ws, scriptJob('echo working; sleep 30'))).body.data.id as string;
    const next = (await postJob(admin, org, ws, scriptJob('echo next'))).body.data.id as string;
    await waitForJob(admin, org, dying, hasStatus('running'));
    const pids = readdirSync(join(handle.filesDir, 'work', 'pids'));
    expect(pids.length).toBeGreaterThan(0);
    for (const pid of pids) process.kill(Number(pid), 'SIGKILL');
    const { job, steps } = await waitForJob(admin, org, dying, ended);
    expect(job.attributes.status).toBe('failed');
    expect(job.attributes.output).toContain('the executor failed');
    expect(steps[0]?.attributes.status).toBe('failed');
    expect((await waitForJob(admin, org, next, ended)).job.attributes.status).toBe('completed');
  });

  it('fails the job with a reason and frees the workspace when the checkout fails', async () => {
    const ws = await createWorkspace(admin, org, { source: '/nonexistent/repository' });
    const failing = (await postJob(admin, org, ws, { command: 'plan' })).body.data.id as string;
    const next = (await postJob(admin, org, ws, scriptJob('echo fine'))).body.data.id as string;
    const { job } = await waitForJob(admin, org, failing, ended);
    expect(job.attributes.status).toBe('failed');
    expect(job.attributes.output).toContain('checkout failed');
    // The next job checks out the same missing source, so it fails too, but it ran: the workspace moved on.
    expect((await waitForJob(admin, org, next, ended)).job.attributes.status).toBe('failed');
    await expectConsistent(org, ws);
  });
});
