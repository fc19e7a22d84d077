/**
 * Load and races (issue 7): many creations at once, conflicting status changes at once, and runs ending
 * while new jobs arrive. Conditional writes, not timing, must keep one job at a time per workspace.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { adminToken, call, token, useTable } from '../helpers/api';
import { b64, createOrganization, createTeam, createWorkspace, postJob } from '../helpers/fixtures';
import { TF_CONFIG, ended, gitRepo, scriptJob, hasStatus, readJob, useEngine, waitForJob } from '../helpers/engine';

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

type Span = { id: number; from: number; to: number };
async function spansOf(ids: string[]): Promise<Span[]> {
  const runs = await Promise.all(ids.map((id) => waitForJob(admin, org, id, ended, 120_000)));
  for (const r of runs) expect(r.job.attributes.status, `job ${r.job.id}: ${r.job.attributes.output}`).toBe('completed');
  return runs
    .map((r) => ({ id: Number(r.job.id), from: Date.parse(r.steps[0]?.attributes.startedDate), to: Date.parse(r.steps[0]?.attributes.finishedDate) }))
    .sort((a, b) => a.id - b.id);
}
function expectOneAtATimeInIdOrder(spans: Span[]): void {
  for (let i = 1; i < spans.length; i++) {
    const [before, after] = [spans[i - 1] as Span, spans[i] as Span];
    expect(after.from, `job ${after.id} started before job ${before.id} finished`).toBeGreaterThanOrEqual(before.to);
  }
}

describe('load', () => {
  it('100 concurrent creations in one workspace: 100 jobs, contiguous ids, none lost, run one at a time in id order', async () => {
    const fresh = await createOrganization(admin);
    const ws = await createWorkspace(admin, fresh, { source });
    const answers = await Promise.all(Array.from({ length: 100 }, () => postJob(admin, fresh, ws, scriptJob('true'))));
    expect(answers.map((a) => a.status)).toEqual(Array(100).fill(201));
    const ids = answers.map((a) => Number(a.body.data.id)).sort((a, b) => a - b);
    expect(ids).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    const listed = await call('GET', `/api/v1/organization/${fresh}/job?page[size]=100&page[totals]`, { token: admin });
    expect(listed.body.meta.page.totalRecords).toBe(100);
    // They run in id order, so the last one ending means all ended (polling all 100 would load the machine).
    await waitForJob(admin, fresh, '100', ended, 180_000);
    const runs = await Promise.all(ids.map((id) => readJob(admin, fresh, String(id))));
    const spans = runs.map((r) => ({ id: Number(r.job.id), from: Date.parse(r.steps[0]?.attributes.startedDate), to: Date.parse(r.steps[0]?.attributes.finishedDate) }));
    expect(runs.every((r) => r.job.attributes.status === 'completed')).toBe(true);
    expectOneAtATimeInIdOrder(spans.sort((a, b) => a.id - b.id));
  }, 240_000);
});

describe('races', () => {
  const approvalJob = async () => {
    const ws = await createWorkspace(admin, org, { source });
    const res = await postJob(admin, org, ws, { tcl: b64('flow:\n  - type: approval\n    step: 1\n    team: RACERS\n  - type: customScripts\n    step: 2\n    commands:\n      - { script: "true" }\n') });
    const id = res.body.data.id as string;
    await waitForJob(admin, org, id, hasStatus('waitingApproval'));
    return id;
  };
  const patchAs = (tok: string) => (id: string, status: string) => call('PATCH', `/api/v1/organization/${org}/job/${id}`, { token: tok, body: { data: { type: 'job', id, attributes: { status } } } });

  it('conflicting decisions on one job: exactly one wins, the others get 409', async () => {
    await createTeam(admin, org, 'RACERS', { manageJob: true });
    const patch = patchAs(await token('racer@example.com', ['RACERS']));
    for (let round = 0; round < 4; round++) {
      // Approve against reject: both need waitingApproval, so one decides and the rest find it decided.
      const decisions = ['approved', 'rejected', 'approved', 'rejected', 'approved', 'rejected'];
      const id = await approvalJob();
      const answers = (await Promise.all(decisions.map((d) => patch(id, d)))).map((a) => a.status);
      expect(answers.filter((s) => s === 204), JSON.stringify(answers)).toHaveLength(1);
      expect(answers.filter((s) => s === 409)).toHaveLength(5);
      const winner = decisions[answers.indexOf(204)];
      expect((await waitForJob(admin, org, id, ended)).job.attributes.status).toBe(winner === 'approved' ? 'completed' : 'rejected');
      // Several cancels: the first ends the job, the others find it ended.
      const waiting = await approvalJob();
      const cancels = (await Promise.all(Array.from({ length: 6 }, () => patch(waiting, 'cancelled')))).map((a) => a.status);
      expect(cancels.filter((s) => s === 204), JSON.stringify(cancels)).toHaveLength(1);
      expect(cancels.filter((s) => s === 409)).toHaveLength(5);
    }
  });

  it('approve racing cancel: one decision per state, never a torn job', async () => {
    const patch = patchAs(await token('racer2@example.com', ['RACERS']));
    for (let round = 0; round < 4; round++) {
      const id = await approvalJob();
      const [approve, cancel] = (await Promise.all([patch(id, 'approved'), patch(id, 'cancelled')])).map((a) => a.status);
      const final = (await waitForJob(admin, org, id, ended)).job.attributes.status;
      // Cancel may land before the approval (approve then 409), or after it: cancelling an approved
      // run is allowed (contract §3.2), so both can succeed, and then the job ends cancelled.
      if (cancel === 204) expect(final).toBe('cancelled');
      else expect([approve, cancel, final]).toEqual([204, 409, 'completed']);
      expect(approve === 204 || cancel === 204).toBe(true);
    }
  });

  it('two jobs ending and a third created at the same instant never run two at once', async () => {
    for (let round = 0; round < 3; round++) {
      const ws = await createWorkspace(admin, org, { source });
      const first = (await postJob(admin, org, ws, scriptJob('sleep 0.4'))).body.data.id as string;
      const second = (await postJob(admin, org, ws, scriptJob('sleep 0.4'))).body.data.id as string;
      await waitForJob(admin, org, first, hasStatus('running'));
      // The first ends by itself while the second is cancelled and a third arrives, all at once.
      const [, third] = await Promise.all([
        call('PATCH', `/api/v1/organization/${org}/job/${second}`, { token: admin, body: { data: { type: 'job', id: second, attributes: { status: 'cancelled' } } } }),
        new Promise((r) => setTimeout(r, 350)).then(() => postJob(admin, org, ws, scriptJob('sleep 0.2'))),
        new Promise((r) => setTimeout(r, 360)).then(() => postJob(admin, org, ws, scriptJob('sleep 0.2'))),
      ]);
      const ids = [first, third?.body.data.id as string];
      const spans = await spansOf(ids);
      expectOneAtATimeInIdOrder(spans);
      expect((await readJob(admin, org, second)).job.attributes.status).toBe('cancelled');
    }
    await handle.engine.idle(30_000);
  });
});
