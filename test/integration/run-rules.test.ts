/**
 * The run's rules, driven step by step through the real task handlers (what the state machine calls),
 * with a recording runner in place of Step Functions: cancel from every status, and tasks that report
 * after the job ended change nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toExported, type ExecutorResult } from '../../shared/runs/executor-contract';
import { handler as advance } from '../../functions/runner/advance';
import { advance as advanceWith } from '../../shared/run-tasks/advance';
import { handler as awaitApproval } from '../../functions/runner/await-approval';
import { handler as recordFailure } from '../../functions/runner/record-failure';
import { useRunControl } from '../../shared/wiring';
import type { RunState } from '../../shared/runs/run-state';
import { stepStarted } from '../../shared/run-tasks/step-started';
import { adminToken, call, useTable } from '../helpers/api';
import { b64, createOrganization, createWorkspace, postJob } from '../helpers/fixtures';
import { readJob } from '../helpers/engine';
import { noRuns, recordingRuns } from '../helpers/runs';
import { getStateHead } from '../../shared/store/repositories/state-versions';
import { planRunStateVersion, recordRunState, runStatePaths, StateHeadMoved } from '../../shared/state/state-versions';
import { finishJob } from '../../shared/jobs/finish-job';
import { readJob as readJobRecord } from '../../shared/store/repositories/jobs';

useTable();
const runs = recordingRuns('ok');
const { started, stopped, interrupted, resumed } = runs;
beforeAll(() => useRunControl(runs));
afterAll(() => useRunControl(noRuns));

let admin: string;
let org: string;
beforeAll(async () => {
  admin = await adminToken();
  org = await createOrganization(admin);
});

const FLOW = b64('flow:\n  - type: terraformPlan\n    step: 100\n  - type: approval\n    step: 150\n    team: OPS\n  - type: terraformApply\n    step: 200\n');
const ok = (planChanges?: boolean): ExecutorResult => ({ status: 'completed', exitCode: planChanges === false ? 0 : 2, planChanges, commitId: 'a'.repeat(40), message: 'done' });

async function newJob(): Promise<{ id: string; run: RunState; workspaceId: string }> {
  const ws = await createWorkspace(admin, org, { source: '/tmp/not-used' });
  const res = await postJob(admin, org, ws, { tcl: FLOW });
  expect(res.status).toBe(201);
  return { id: res.body.data.id, run: { organizationId: org, jobId: Number(res.body.data.id) }, workspaceId: ws };
}
const status = async (id: string) => (await readJob(admin, org, id)).job.attributes.status as string;
const cancel = (id: string) => call('PATCH', `/api/v1/organization/${org}/job/${id}`, { token: admin, body: { data: { type: 'job', id, attributes: { status: 'cancelled' } } } });

describe('a run, task by task', () => {
  it('starts a job as soon as it is created in a free workspace', async () => {
    const { run, workspaceId } = await newJob();
    // With what the run's first task reads beside the job (hints: it checks them against the job).
    expect(started).toContainEqual({ ...run, workspaceId, templateReference: null });
  });

  it('dispatches, records, asks for approval, resumes and completes', async () => {
    const { id, run } = await newJob();
    const first = await advance(run);
    expect(first).toMatchObject({ action: 'execute', step: { type: 'terraformPlan', number: 100 } });
    expect(await status(id)).toBe('queue');
    await stepStarted(org, run.jobId, first.step?.id as string);
    expect(await status(id)).toBe('running');
    const second = await advance({ ...first, result: { exported: toExported(ok(true)) } });
    expect(second).toMatchObject({ action: 'approve', approval: { team: 'OPS' }, step: { type: 'approval' } });
    await awaitApproval({ token: 'token-1', organizationId: org, jobId: run.jobId, stepId: second.step?.id as string, team: 'OPS' });
    expect(await status(id)).toBe('waitingApproval');
    const approve = await call('PATCH', `/api/v1/organization/${org}/job/${id}`, { token: admin, body: { data: { type: 'job', id, attributes: { status: 'approved' } } } });
    expect(approve.status).toBe(204);
    expect(resumed).toContain('token-1');
    expect(await status(id)).toBe('approved');
    const third = await advance({ ...second, result: { decision: 'approved' } });
    expect(third).toMatchObject({ action: 'execute', step: { type: 'terraformApply' } });
    const last = await advance({ ...third, result: { exported: toExported(ok()) } });
    expect(last.action).toBe('end');
    const { job, steps } = await readJob(admin, org, id);
    expect(job.attributes).toMatchObject({ status: 'completed', commitId: 'a'.repeat(40), planChanges: true });
    expect(steps.map((s) => s.attributes.status)).toEqual(['completed', 'completed', 'completed']);
  });

  it('records a result once, even when Advance is retried with it', async () => {
    const { id, run } = await newJob();
    const first = await advance(run);
    const withResult = { ...first, result: { exported: toExported(ok(false)) } };
    expect((await advance(withResult)).action).toBe('end');
    expect((await advance(withResult)).action).toBe('end');
    const { job, steps } = await readJob(admin, org, id);
    expect(job.attributes).toMatchObject({ status: 'completed', planChanges: false });
    expect(steps.map((s) => s.attributes.status)).toEqual(['completed', 'notExecuted', 'notExecuted']);
  });
});

describe('cancel from every status', () => {
  it.each(['pending', 'queue', 'running', 'waitingApproval', 'approved'])('%s → cancelled, remaining steps cancelled, run stopped or its step interrupted', async (from) => {
    const { id, run } = await newJob();
    let state: RunState = run;
    if (from !== 'pending') state = await advance(run);
    if (from === 'running' || from === 'waitingApproval' || from === 'approved') await stepStarted(org, run.jobId, state.step?.id as string);
    if (from === 'waitingApproval' || from === 'approved') {
      state = await advance({ ...state, result: { exported: toExported(ok(true)) } });
      await awaitApproval({ token: `t-${id}`, organizationId: org, jobId: run.jobId, stepId: state.step?.id as string, team: 'OPS' });
    }
    if (from === 'approved') {
      await call('PATCH', `/api/v1/organization/${org}/job/${id}`, { token: admin, body: { data: { type: 'job', id, attributes: { status: 'approved' } } } });
    }
    expect(await status(id)).toBe(from);
    stopped.length = 0;
    interrupted.length = 0;
    expect((await cancel(id)).status).toBe(204);
    const { job, steps } = await readJob(admin, org, id);
    expect(job.attributes.status).toBe('cancelled');
    expect(steps.every((s) => ['completed', 'cancelled'].includes(s.attributes.status))).toBe(true);
    // A step that may be executing is interrupted and its run ends by itself (issue 19: the build stops
    // before the workspace moves on); any other run is stopped at once.
    if (from === 'queue' || from === 'running') expect([interrupted, stopped]).toEqual([[run], []]);
    else expect([stopped, interrupted]).toEqual([[run], []]);

    // Whatever the run reports afterwards changes nothing.
    if (state.step) expect((await advance({ ...state, result: { exported: toExported(ok(true)) } })).action).toBe('end');
    expect(await recordFailure({ ...state, action: 'execute', error: { Error: 'States.TaskFailed' } })).toEqual({ failed: false });
    await stepStarted(org, run.jobId, state.step?.id ?? '');
    expect(await status(id)).toBe('cancelled');
    expect((await readJob(admin, org, id)).steps).toEqual(steps);
  });
});

describe('failures', () => {
  it('fails the job with the reason when a task fails or times out', async () => {
    const { id, run } = await newJob();
    const state = await advance(run);
    await stepStarted(org, run.jobId, state.step?.id as string);
    expect(await recordFailure({ ...state, error: { Error: 'States.Timeout' } })).toEqual({ failed: true });
    const { job, steps } = await readJob(admin, org, id);
    expect(job.attributes.status).toBe('failed');
    expect(job.attributes.output).toMatch(/Step 100 timed out after \d+s/);
    expect(steps.map((s) => s.attributes.status)).toEqual(['failed', 'notExecuted', 'notExecuted']);
  });

  it('fails a step that was cut off when its run is started again', async () => {
    const { id, run } = await newJob();
    const state = await advance(run);
    await stepStarted(org, run.jobId, state.step?.id as string);
    expect((await advance(run)).action).toBe('end');
    const { job } = await readJob(admin, org, id);
    expect(job.attributes.status).toBe('failed');
    expect(job.attributes.output).toContain('was interrupted before it finished');
  });

  it('fails a job whose template disappeared before its run started', async () => {
    const tpl = await call('POST', `/api/v1/organization/${org}/template`, { token: admin, body: { data: { type: 'template', attributes: { name: `gone-${Date.now()}`, tcl: FLOW } } } });
    const ws = await createWorkspace(admin, org, { source: '/tmp/x' });
    const res = await postJob(admin, org, ws, { templateReference: tpl.body.data.id });
    await call('DELETE', `/api/v1/organization/${org}/template/${tpl.body.data.id}`, { token: admin });
    expect((await advance({ organizationId: org, jobId: Number(res.body.data.id) })).action).toBe('end');
    const { job } = await readJob(admin, org, res.body.data.id);
    expect(job.attributes).toMatchObject({ status: 'failed', output: expect.stringContaining('no longer exists') });
  });

  it('reads the job first when the run names another workspace or template than the job has (hints only)', async () => {
    const { id, run, workspaceId } = await newJob();
    // A free workspace of the organization: were it taken for the job's, the run would end (the job does not hold it).
    const decoy = await createWorkspace(admin, org, { source: '/tmp/decoy' });
    const first = await advance({ ...run, workspaceId: decoy, templateReference: crypto.randomUUID() });
    expect(first).toMatchObject({ action: 'execute', step: { type: 'terraformPlan' }, workspaceId });
    expect(await status(id)).toBe('queue');
  });

  it('counts a result that names another step for the step handed over, unless Advance chained that step to it', async () => {
    const ws = await createWorkspace(admin, org, { source: '/tmp/not-used' });
    const res = await postJob(admin, org, ws, { tcl: b64('flow:\n  - type: terraformPlan\n    step: 100\n  - type: terraformApply\n    step: 200\n') });
    const id = res.body.data.id as string;
    const first = await advance({ organizationId: org, jobId: Number(id) });
    expect(first).toMatchObject({ action: 'execute', step: { type: 'terraformPlan' } });
    // The Lambda's Advance of a stack whose steps leave no room in a build offers no chain: each step is a build.
    expect(first.executor).toMatchObject({ next: { step: '', context: '', dispose: '', withinMs: '' } });
    expect(first.executor?.chained).toBeUndefined();
    const { steps } = await readJob(admin, org, id);
    const applyId = steps.find((s) => s.attributes.stepNumber === 200)?.id as string;
    // A build's user code could write the result's step (and a boundary): naming the apply does not make the apply done.
    const second = await advance({ ...first, result: { exported: toExported({ ...ok(true), stepId: applyId }, { result: ok(true), at: Date.now() }) } });
    expect(second).toMatchObject({ action: 'execute', step: { id: applyId, type: 'terraformApply' } });
    const after = await readJob(admin, org, id);
    expect(after.steps.map((s) => s.attributes.status)).toEqual(['completed', 'pending']);
  });

  it('records a plan and its chained apply from the one build that ran both, the apply started at the plan\'s end, once even when Advance is retried', async () => {
    const ws = await createWorkspace(admin, org, { source: '/tmp/not-used' });
    const res = await postJob(admin, org, ws, { tcl: b64('flow:\n  - type: terraformPlan\n    step: 100\n  - type: terraformApply\n    step: 200\n') });
    const id = res.body.data.id as string;
    const first = await advanceWith({ organizationId: org, jobId: Number(id) }, { chain: { withinMs: 180_000 } });
    const applyId = (await readJob(admin, org, id)).steps[1]?.id as string;
    expect(first.executor).toMatchObject({ chained: applyId, next: { step: applyId, context: expect.stringMatching(/^http/), dispose: expect.stringMatching(/^http/), withinMs: '180000' } });
    await stepStarted(org, Number(id), first.step?.id as string);
    const planEnd = Date.now() - 2000;
    const built = { ...first, result: { exported: toExported({ ...ok(), message: 'applied', stepId: applyId }, { result: { ...ok(true), message: 'planned' }, at: planEnd }) } };
    expect((await advance(built)).action).toBe('end');
    const done = await readJob(admin, org, id);
    expect(done.job.attributes).toMatchObject({ status: 'completed', planChanges: true, output: 'Step 100: planned\nStep 200: applied' });
    const [plan, apply] = done.steps.map((s) => s.attributes);
    expect([plan?.status, plan?.finishedDate, apply?.status, apply?.startedDate]).toEqual(['completed', new Date(planEnd).toISOString(), 'completed', new Date(planEnd).toISOString()]);
    // The task retried with the same input (its first answer lost): nothing is recorded again.
    expect((await advance(built)).action).toBe('end');
    expect((await readJob(admin, org, id)).job.attributes).toEqual(done.job.attributes);

    // Advance failing after such a build (RecordFailure gets its input): the plan still counts, the apply fails with the job.
    const next = await postJob(admin, org, ws, { tcl: b64('flow:\n  - type: terraformPlan\n    step: 100\n  - type: terraformApply\n    step: 200\n') });
    const nextId = next.body.data.id as string;
    const dispatched = await advanceWith({ organizationId: org, jobId: Number(nextId) }, { chain: { withinMs: 180_000 } });
    const nextApply = dispatched.executor?.chained as string;
    const exported = toExported({ ...ok(), stepId: nextApply }, { result: ok(true), at: Date.now() });
    expect(await recordFailure({ ...dispatched, result: { exported }, error: { Error: 'Lambda.Unknown' } })).toEqual({ failed: true });
    const failed = await readJob(admin, org, nextId);
    expect(failed.job.attributes).toMatchObject({ status: 'failed', output: expect.stringMatching(/^Step 100: done\n.*\(Lambda\.Unknown\)$/) });
    expect(failed.steps.map((s) => s.attributes.status)).toEqual(['completed', 'failed']);
  });

  it('makes the state an apply saved current in the same write that ends the job, and never under a version that came first', async () => {
    const ws = await createWorkspace(admin, org, { source: '/tmp/not-used' });
    const res = await postJob(admin, org, ws, { tcl: b64('flow:\n  - type: terraformPlan\n    step: 100\n  - type: terraformApply\n    step: 200\n') });
    const id = Number(res.body.data.id);
    const written = { serial: 1, lineage: 'lineage-a', md5: 'a'.repeat(32), size: 10, terraformVersion: '1.11.4' };
    const first = await advance({ organizationId: org, jobId: id, workspaceId: ws });
    await stepStarted(org, id, first.step?.id as string);
    const second = await advance({ ...first, result: { exported: toExported(ok(true)) } });
    expect(second).toMatchObject({ action: 'execute', step: { type: 'terraformApply' } });
    const last = await advance({ ...second, result: { exported: toExported({ ...ok(), state: written }) } });
    expect(last.action).toBe('end');
    const job = (await readJobRecord(org, id))!;
    expect(job.status).toBe('completed');
    const head = await getStateHead(ws);
    expect(head?.current).toMatchObject({ jobId: id, state: runStatePaths(job, second.step?.id as string).state, serial: 1 });

    // Planned against a head that then moved (another version came first): the end fails as a whole, nothing half-written.
    const other = await postJob(admin, org, await createWorkspace(admin, org, { source: '/tmp/x' }), { tcl: FLOW });
    const otherJob = (await readJobRecord(org, Number(other.body.data.id)))!;
    const stale = (await getStateHead(ws)) ?? null;
    await recordRunState({ ...otherJob, workspaceId: ws }, 'pushed', { ...written, serial: 2 });
    const alsoCommit = planRunStateVersion({ ...otherJob, workspaceId: ws }, 'late', { ...written, serial: 3 }, stale);
    await expect(finishJob(otherJob, { status: 'completed', stepStatus: () => 'notExecuted', updatedBy: 'test', alsoCommit })).rejects.toBeInstanceOf(StateHeadMoved);
    expect((await readJobRecord(org, otherJob.id))?.status).toBe(otherJob.status);
    expect((await getStateHead(ws))?.current).toMatchObject({ serial: 2 });
  });

  it('makes a saved state current even when the run fails before Advance recorded it (RecordFailure)', async () => {
    const ws = await createWorkspace(admin, org, { source: '/tmp/not-used' });
    const res = await postJob(admin, org, ws, { tcl: b64('flow:\n  - type: terraformApply\n    step: 100\n') });
    const id = Number(res.body.data.id);
    const first = await advance({ organizationId: org, jobId: id, workspaceId: ws });
    const written = { serial: 4, lineage: 'lineage-f', md5: 'f'.repeat(32), size: 12, terraformVersion: '1.11.4' };
    // What the state machine hands RecordFailure when Advance itself failed after the apply: its input with the error.
    const failed = await recordFailure({ ...first, result: { exported: toExported({ ...ok(), state: written }) }, error: { Error: 'Lambda.Unknown' } });
    expect(failed).toEqual({ failed: true });
    expect((await readJobRecord(org, id))?.status).toBe('failed');
    expect((await getStateHead(ws))?.current).toMatchObject({ jobId: id, serial: 4, lineage: 'lineage-f' });
  });

  it('never runs a job that is waiting its turn, whoever starts it', async () => {
    const ws = await createWorkspace(admin, org, { source: '/tmp/x', locked: true });
    const res = await postJob(admin, org, ws, { tcl: FLOW });
    expect((await advance({ organizationId: org, jobId: Number(res.body.data.id) })).action).toBe('end');
    const { job, steps } = await readJob(admin, org, res.body.data.id);
    expect(job.attributes.status).toBe('pending');
    expect(steps).toEqual([]);
  });
});
