/**
 * Cancel ordering (issue 19 item 5), driven without an engine: a cancelled job that may be executing a
 * step keeps its workspace until its run has ended (the run stops the step with an interrupt, and its
 * last task hands the workspace on), so the next job never starts beside a build that still holds the
 * state lock. A job that executes nothing leaves at once. A restart that cut such a run off frees the
 * workspace too.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { queueStateOf } from '../../shared/domain/workspace-queue';
import { advance } from '../../shared/run-tasks/advance';
import { recordFailure } from '../../shared/run-tasks/failure';
import { reconcile } from '../../shared/run-tasks/reconcile';
import { commit } from '../../shared/store/repositories/batch';
import { planUpdateJobIfStatus, readJob } from '../../shared/store/repositories/jobs';
import { getWorkspace } from '../../shared/store/repositories/workspaces';
import { useRunControl } from '../../shared/wiring';
import { adminToken, call, useTable } from '../helpers/api';
import { createJob, createOrganization, createWorkspace } from '../helpers/fixtures';
import { recordingRuns } from '../helpers/runs';

useTable();
let admin: string;
let org: string;
beforeAll(async () => {
  admin = await adminToken();
  org = await createOrganization(admin);
});

const cancel = (id: number) => call('PATCH', `/api/v1/organization/${org}/job/${id}`, { token: admin, body: { data: { type: 'job', id: String(id), attributes: { status: 'cancelled' } } } });
const activeJob = async (ws: string) => queueStateOf((await getWorkspace(ws)) ?? {}).activeJob;

/** A workspace whose first job was dispatched to the executor (status queue) and a second job waiting. */
async function dispatchedWithOneWaiting() {
  const runs = recordingRuns();
  useRunControl(runs);
  const ws = await createWorkspace(admin, org, { source: 'https://example.com/infra.git' });
  const first = Number(await createJob(admin, org, ws));
  const second = Number(await createJob(admin, org, ws));
  const job = await readJob(org, first);
  await commit([planUpdateJobIfStatus(job!, { status: 'queue' })]);
  return { runs, ws, first, second };
}

describe('cancelling a job that may be executing a step', () => {
  it('interrupts the step and keeps the workspace until the run has ended; its last task then starts the next job', async () => {
    const { runs, ws, first, second } = await dispatchedWithOneWaiting();
    expect((await cancel(first)).status).toBe(204);
    expect((await readJob(org, first))?.status).toBe('cancelled');
    expect(runs.interrupted).toEqual([{ organizationId: org, jobId: first }]);
    expect(runs.stopped).toEqual([]);
    expect(await activeJob(ws)).toBe(first);
    expect(runs.started.map((r) => r.jobId)).not.toContain(second);

    // The build stopped; Advance (with its result) finds the job ended and hands the workspace on.
    expect(await advance({ organizationId: org, jobId: first } as never)).toMatchObject({ action: 'end' });
    expect(await activeJob(ws)).toBe(second);
    expect(runs.started).toContainEqual({ organizationId: org, jobId: second });
    // A late failure of the same run changes nothing more.
    expect(await recordFailure({ organizationId: org, jobId: first, action: 'execute' } as never)).toEqual({ failed: false });
    expect(await activeJob(ws)).toBe(second);
  });

  it('also hands the workspace on when the run ends through its failure path (a build that failed to stop)', async () => {
    const { runs, ws, first, second } = await dispatchedWithOneWaiting();
    expect((await cancel(first)).status).toBe(204);
    expect(await recordFailure({ organizationId: org, jobId: first, action: 'execute', error: { Error: 'States.Timeout' } } as never)).toEqual({ failed: false });
    expect(await activeJob(ws)).toBe(second);
    expect(runs.started).toContainEqual({ organizationId: org, jobId: second });
  });

  it('frees the workspace at the next start of the engine when the run was cut off before it ended', async () => {
    const { runs, ws, first, second } = await dispatchedWithOneWaiting();
    expect((await cancel(first)).status).toBe(204);
    await reconcile(runs);
    expect(await activeJob(ws)).toBe(second);
    expect(runs.started).toContainEqual({ organizationId: org, jobId: second });
  });

  it('lets a job that executes nothing (pending) leave at once, its run stopped outright', async () => {
    const runs = recordingRuns();
    useRunControl(runs);
    const ws = await createWorkspace(admin, org, { source: 'https://example.com/infra.git' });
    const first = Number(await createJob(admin, org, ws));
    const second = Number(await createJob(admin, org, ws));
    expect((await cancel(first)).status).toBe(204);
    expect(runs.stopped).toEqual([{ organizationId: org, jobId: first }]);
    expect(await activeJob(ws)).toBe(second);
  });
});
