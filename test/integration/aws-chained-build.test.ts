/**
 * A plan and its apply in one CodeBuild build (issue 16 item 3), run the AWS way: the synthesized
 * definition in aws-local-stepfunctions, the real Advance with the chain the stack's Advance offers,
 * Execute as startBuild.sync running the buildspec's build phase and the real executor in build mode
 * (test/helpers/codebuild-runs.ts), real git and terraform, DynamoDB Local.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { adminToken, call, token, useTable } from '../helpers/api';
import { createOrganization, createTeam, createWorkspace, postJob, templateId } from '../helpers/fixtures';
import { TF_CONFIG, ended, gitRepo, readJob, waitForJob } from '../helpers/engine';
import { CodeBuildRuns } from '../helpers/codebuild-runs';
import { resetWiring, useRunControl } from '../../shared/wiring';
import { noRuns } from '../helpers/runs';

useTable();
const timeouts = { stepSeconds: 120, approvalSeconds: 600 };
let runs: CodeBuildRuns;
let filesDir = '';
let admin = '';
let operator = '';
let org = '';

beforeAll(async () => {
  filesDir = mkdtempSync(join(tmpdir(), 'terrakube-codebuild-'));
  Object.assign(process.env, { TERRAKUBE_FILES_DIR: filesDir, TERRAKUBE_STEP_TIMEOUT_SECONDS: String(timeouts.stepSeconds), TERRAKUBE_APPROVAL_TIMEOUT_SECONDS: String(timeouts.approvalSeconds) });
  resetWiring();
  runs = await CodeBuildRuns.create(filesDir, timeouts);
  useRunControl(runs);
  admin = await adminToken();
  org = await createOrganization(admin);
  await createTeam(admin, org, 'OPS', { manageJob: true, manageWorkspace: true, manageTemplate: true });
  operator = await token('ops@example.com', ['OPS']);
}, 60_000);

afterAll(async () => {
  await runs?.shutdown();
  useRunControl(noRuns);
  rmSync(filesDir, { recursive: true, force: true });
});

const planAndApply = async (source: string) => {
  const ws = await createWorkspace(operator, org, { source });
  const res = await postJob(operator, org, ws, { templateReference: await templateId(admin, org, 'Plan and apply') });
  expect(res.status, res.text).toBe(201);
  return { ws, id: res.body.data.id as string };
};
const buildsOf = async (id: string) => {
  const { steps } = await readJob(admin, org, id);
  return runs.builds.filter((b) => steps.some((s) => s.id === b.step)).length;
};
const contexts = (id: string) => {
  const dir = join(filesDir, 'runs', org, id);
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
};
const run = (id: string) => ({ organizationId: org, jobId: Number(id) });
const failingApply = (script: string) => `resource "terraform_data" "x" {\n  provisioner "local-exec" {\n    command = "${script}"\n  }\n}\n`;

describe('a plan and its apply in one CodeBuild build', () => {
  it('runs both in one build, records each step in order, in 6 state transitions instead of 9 and 2 builds', async () => {
    const repo = gitRepo({ 'main.tf': TF_CONFIG });
    const { id } = await planAndApply(repo.path);
    const { job, steps } = await waitForJob(admin, org, id, ended, 60_000);
    expect(job.attributes, job.attributes.output).toMatchObject({ status: 'completed', planChanges: true, commitId: repo.head });
    expect(job.attributes.output).toBe('Plan: plan found changes\nApply: apply complete');
    const [plan, apply] = steps.map((s) => s.attributes);
    expect([plan?.status, apply?.status]).toEqual(['completed', 'completed']);
    // The apply started where the plan ended (the boundary the build exported), and ended after.
    const times = [plan?.startedDate, plan?.finishedDate, apply?.startedDate, apply?.finishedDate].map((d) => Date.parse(d));
    expect(times.every((t) => Number.isFinite(t))).toBe(true);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(apply?.startedDate).toBe(plan?.finishedDate);
    const applyLog = await call('GET', `/tfoutput/v1/organization/${org}/job/${id}/step/${steps[1]?.id}`, { token: admin });
    expect(applyLog.text).toMatch(/reusing the checkout and init[\s\S]*Apply complete! Resources: 1 added/);
    expect(await buildsOf(id)).toBe(1);
    expect(await runs.transitions(run(id))).toBe(6);

    // The same job without the chain (a Lambda-compute build with 840 s steps has no room for it): two builds, 9 transitions.
    runs.chain = false;
    try {
      const unchained = await planAndApply(gitRepo({ 'main.tf': TF_CONFIG }).path);
      const done = await waitForJob(admin, org, unchained.id, ended, 60_000);
      expect(done.job.attributes.status).toBe('completed');
      expect(await buildsOf(unchained.id)).toBe(2);
      expect(await runs.transitions(run(unchained.id))).toBe(9);
    } finally {
      runs.chain = true;
    }
  }, 120_000);

  it('leaves the apply unrun when the plan finds no changes, its context deleted unread', async () => {
    const repo = gitRepo({ 'main.tf': 'locals {\n  x = 1\n}\n' });
    const ws = await createWorkspace(operator, org, { source: repo.path });
    const res = await postJob(operator, org, ws, { templateReference: await templateId(admin, org, 'Plan and apply') });
    const id = res.body.data.id as string;
    const { job, steps } = await waitForJob(admin, org, id, ended, 60_000);
    expect(job.attributes, job.attributes.output).toMatchObject({ status: 'completed', planChanges: false });
    expect(steps.map((s) => s.attributes.status)).toEqual(['completed', 'notExecuted']);
    expect(await buildsOf(id)).toBe(1);
    await runs.idle();
    // Both contexts were written when the plan was dispatched (they hold the workspace's secrets): none is left.
    expect(contexts(id)).toEqual([]);
  }, 60_000);

  it('fails the job with the apply\'s reason, the plan recorded completed', async () => {
    const { id } = await planAndApply(gitRepo({ 'main.tf': failingApply('echo refusing; exit 3') }).path);
    const { job, steps } = await waitForJob(admin, org, id, ended, 60_000);
    expect(job.attributes.status).toBe('failed');
    expect(job.attributes.output).toMatch(/^Plan: plan found changes\nApply: terraform apply failed/);
    expect(steps.map((s) => s.attributes.status)).toEqual(['completed', 'failed']);
    expect(await buildsOf(id)).toBe(1);
  }, 60_000);

  it('fails the job when the executor dies during the apply, the plan still recorded', async () => {
    // terraform's provisioner kills the executor process (its grandparent) outright, mid-apply.
    const { id } = await planAndApply(gitRepo({ 'main.tf': failingApply('kill -9 $(ps -o ppid= -p $PPID)') }).path);
    const { job, steps } = await waitForJob(admin, org, id, ended, 60_000);
    expect(job.attributes.status).toBe('failed');
    expect(job.attributes.output).toBe('Plan: plan found changes\nApply: the executor ended without a result');
    expect(steps.map((s) => s.attributes.status)).toEqual(['completed', 'failed']);
    expect(Date.parse(steps[1]?.attributes.startedDate)).toBeGreaterThanOrEqual(Date.parse(steps[0]?.attributes.finishedDate));
  }, 60_000);

  it('stops the build when the job is cancelled during the chained apply, and the workspace moves on', async () => {
    // A sleep no other test runs: test files run in parallel, and their steps show in the same process table.
    const { ws, id } = await planAndApply(gitRepo({ 'main.tf': failingApply('echo applying; sleep 43') }).path);
    const next = await postJob(operator, org, ws, { command: 'plan' });
    // The apply's start is recorded when the build ends: its log shows it running.
    const applyId = (await readJob(admin, org, id)).steps[1]?.id as string;
    await vi.waitFor(async () => expect((await call('GET', `/tfoutput/v1/organization/${org}/job/${id}/step/${applyId}`, { token: admin })).text).toContain('applying'), { timeout: 30_000, interval: 100 });
    const cancel = await call('PATCH', `/api/v1/organization/${org}/job/${id}`, { token: operator, body: { data: { type: 'job', id, attributes: { status: 'cancelled' } } } });
    expect(cancel.status).toBe(204);
    expect((await readJob(admin, org, id)).job.attributes.status).toBe('cancelled');
    const after = await waitForJob(admin, org, next.body.data.id as string, ended, 60_000);
    expect(after.job.attributes.status, after.job.attributes.output).toBe('completed');
    expect(await buildsOf(id)).toBe(1);
    const left = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').filter((l) => /^sleep 43$/.test(l.trim()));
    expect(left).toEqual([]);
  }, 90_000);
});
