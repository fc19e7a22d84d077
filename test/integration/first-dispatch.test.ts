/**
 * A run started by the creator of its job, in the same process (the local engine): its first Advance
 * dispatches without reading first with one write of the job (only while it still waits), then shows it
 * on the workspace unless a newer change is there. A step an executor takes at once is written running by
 * the dispatch itself.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startObjectServer, type ObjectServer } from '../../local/executor-objects';
import { advance } from '../../shared/run-tasks/advance';
import { stepStarted } from '../../shared/run-tasks/step-started';
import { useExecutorObjectsUrl, useRunControl } from '../../shared/wiring';
import { roundTrips } from '../../shared/store/client';
import { readJob as readJobRecord } from '../../shared/store/repositories/jobs';
import { adminToken, call, useTable } from '../helpers/api';
import { b64, createOrganization, createWorkspace, postJob } from '../helpers/fixtures';
import { noRuns, recordingRuns } from '../helpers/runs';

useTable();
const runs = recordingRuns('ok');
beforeAll(() => useRunControl(runs));
afterAll(() => useRunControl(noRuns));

let admin: string;
let org: string;
// The URLs a dispatch mints for its contexts (read, delete) are served here, as the local engine serves them.
let objects: ObjectServer;
const filesDir = process.env.TERRAKUBE_FILES_DIR as string;
beforeAll(async () => {
  admin = await adminToken();
  org = await createOrganization(admin);
  objects = await startObjectServer(filesDir, process.env.TERRAKUBE_PAT_SECRET as string);
  useExecutorObjectsUrl(objects.url);
});
afterAll(() => objects.close());

/** The step contexts written for a job and not deleted (they hold the workspace's secrets). */
const contexts = (jobId: number) => {
  const dir = join(filesDir, 'runs', org, String(jobId));
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
};

const FLOW = b64('flow:\n  - type: terraformPlan\n    step: 100\n  - type: terraformApply\n    step: 200\n');

async function created(workspaceId: string) {
  const res = await postJob(admin, org, workspaceId, { tcl: FLOW });
  expect(res.status).toBe(201);
  const jobId = Number(res.body.data.id);
  return { jobId, run: runs.started.find((r) => r.jobId === jobId), handed: runs.created.get(jobId) };
}

describe("a run's first dispatch, handed the job by its creator", () => {
  it('reads nothing before it writes: the job alone, then the workspace shows it; beside them, the workspace with its variables', async () => {
    const ws = await createWorkspace(admin, org, { source: '/tmp/not-used' });
    const { jobId, run, handed } = await created(ws);
    expect(handed?.job).toMatchObject({ id: jobId, status: 'pending', steps: [] });
    roundTrips.reset();
    const next = await advance(run!, { created: handed });
    expect(next).toMatchObject({ action: 'execute', step: { type: 'terraformPlan' } });
    expect(roundTrips.byCommand).toEqual({ UpdateItemCommand: 2, QueryCommand: 1 });
    expect((await readJobRecord(org, jobId))?.status).toBe('queue');
    const workspace = await call('GET', `/api/v1/organization/${org}/workspace/${ws}`, { token: admin });
    expect(workspace.body.data.attributes).toMatchObject({ lastJobStatus: 'queue' });
    expect(contexts(jobId)).toHaveLength(1); // the dispatched step's, for its executor to read
  });

  it('writes nothing for a job cancelled after its creation: the run ends and the job stays cancelled', async () => {
    const ws = await createWorkspace(admin, org, { source: '/tmp/not-used' });
    const { jobId, run, handed } = await created(ws);
    const cancel = await call('PATCH', `/api/v1/organization/${org}/job/${jobId}`, { token: admin, body: { data: { type: 'job', id: String(jobId), attributes: { status: 'cancelled' } } } });
    expect(cancel.status).toBe(204);
    const next = await advance(run!, { created: handed, startsAtOnce: () => true, chain: true });
    expect(next.action).toBe('end');
    expect(await readJobRecord(org, jobId)).toMatchObject({ status: 'cancelled', steps: [] });
    // The workspace's display, written beside the job's write, left the cancel's change as it was.
    const workspace = await call('GET', `/api/v1/organization/${org}/workspace/${ws}`, { token: admin });
    expect(workspace.body.data.attributes).toMatchObject({ lastJobStatus: 'cancelled' });
    // Its plan's and its apply's contexts were written beside the write that failed, and deleted after it.
    await expect.poll(() => contexts(jobId)).toEqual([]);
  });

  it('reads first when handed a job its creator did not vouch holds the workspace, and writes nothing for one that does not', async () => {
    const ws = await createWorkspace(admin, org, { source: '/tmp/not-used' });
    const first = await created(ws);
    const second = await postJob(admin, org, ws, { tcl: FLOW });
    const queuedId = Number(second.body.data.id);
    // The first job's record presented as the second's (a stray start): the workspace belongs to the first.
    const stray = { job: { ...first.handed!.job, id: queuedId } };
    const next = await advance({ organizationId: org, jobId: queuedId }, { created: stray });
    expect(next.action).toBe('end');
    expect(await readJobRecord(org, queuedId)).toMatchObject({ status: 'pending', steps: [] });
  });

  it('writes the step running in the dispatch when an executor takes it at once, so nothing records its start again', async () => {
    const ws = await createWorkspace(admin, org, { source: '/tmp/not-used' });
    const { jobId, run, handed } = await created(ws);
    const next = await advance(run!, { created: handed, startsAtOnce: () => true });
    const job = await readJobRecord(org, jobId);
    expect(job?.status).toBe('running');
    const step = job?.steps.find((s) => s.id === next.step?.id);
    expect(step).toMatchObject({ status: 'running', startedDate: expect.any(String) });
    expect(job?.steps.find((s) => s.id !== next.step?.id)?.status).toBe('pending');
    await stepStarted(org, jobId, step!.id, new Date(Date.parse(step!.startedDate!) + 5000));
    expect((await readJobRecord(org, jobId))?.steps.find((s) => s.id === step!.id)?.startedDate).toBe(step!.startedDate);
    const workspace = await call('GET', `/api/v1/organization/${org}/workspace/${ws}`, { token: admin });
    expect(workspace.body.data.attributes).toMatchObject({ lastJobStatus: 'running' });
  });

  it("leaves a newer change on the workspace as it is: a job created behind it stays the workspace's last change", async () => {
    const ws = await createWorkspace(admin, org, { source: '/tmp/not-used' });
    const { jobId, run, handed } = await created(ws);
    const behind = await postJob(admin, org, ws, { tcl: FLOW });
    expect(behind.status).toBe(201);
    const next = await advance(run!, { created: handed, startsAtOnce: () => true });
    expect(next.action).toBe('execute');
    expect((await readJobRecord(org, jobId))?.status).toBe('running');
    const workspace = await call('GET', `/api/v1/organization/${org}/workspace/${ws}`, { token: admin });
    expect(workspace.body.data.attributes).toMatchObject({ lastJobStatus: 'pending', lastJobDate: behind.body.data.attributes.createdDate });
  });
});
