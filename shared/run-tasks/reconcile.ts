/**
 * After the local engine restarts, no job may stay stuck: every job that was active in its workspace
 * gets its run started again (Advance resumes what can be resumed and fails a step that was cut off),
 * and every workspace is settled so waiting jobs start (also one an ended job still held). Reads go through the status index, never a Scan.
 */
import { queueStateOf } from '../domain/workspace-queue';
import { logger } from '../logger';
import type { RunControl } from '../ports/run-control';
import { listLiveJobs, type LiveJob } from '../store/repositories/jobs';
import { listOrganizations } from '../store/repositories/organizations';
import { changeQueue } from '../store/repositories/workspace-queue';
import { getWorkspace } from '../store/repositories/workspaces';

export async function liveJobs(): Promise<LiveJob[]> {
  return listLiveJobs((await listOrganizations()).map((o) => o.id));
}

export async function reconcile(runner: RunControl): Promise<{ resumed: number; queued: number }> {
  const jobs = await liveJobs();
  const byWorkspace = new Map<string, LiveJob[]>();
  for (const job of jobs) byWorkspace.set(job.workspaceId, [...(byWorkspace.get(job.workspaceId) ?? []), job]);
  let resumed = 0;
  let queued = 0;
  for (const [workspaceId, workspaceJobs] of byWorkspace) {
    const item = await getWorkspace(workspaceId);
    const state = queueStateOf(item ?? {});
    // A job that ended while holding its workspace (cancelled, its run cut off before it handed the
    // workspace on) holds it no more.
    if (state.activeJob !== undefined && !workspaceJobs.some((j) => j.id === state.activeJob)) {
      const next = await changeQueue(workspaceId, { leave: state.activeJob });
      if (next !== undefined) state.activeJob = next;
    }
    for (const job of workspaceJobs) {
      if (state.activeJob === job.id) {
        await runner.start({ organizationId: job.organizationId, jobId: job.id });
        resumed++;
      } else if (!state.queue.includes(job.id) && item) {
        await changeQueue(workspaceId, { add: job.id });
        queued++;
      }
    }
    const start = await changeQueue(workspaceId);
    const orgId = workspaceJobs[0]?.organizationId;
    if (start !== undefined && orgId) await runner.start({ organizationId: orgId, jobId: start });
  }
  if (jobs.length) logger.info('reconciled jobs after start', { live: jobs.length, resumed, queued });
  return { resumed, queued };
}

/**
 * Once the table is back after a gap (DynamoDB Local restarted under `npm start`): the job holding each
 * busy workspace has its run (starting a run that is going is a no-op), and a workspace left free starts
 * its oldest waiting job. Unlike `reconcile` it only starts runs and settles queues with conditional
 * writes, so it is safe while requests and runs go on.
 */
export async function resumeRuns(runner: RunControl): Promise<{ workspaces: number; runs: number }> {
  const owners = new Map<string, string>();
  for (const job of await liveJobs()) owners.set(job.workspaceId, job.organizationId);
  let runs = 0;
  for (const [workspaceId, organizationId] of owners) {
    const active = queueStateOf((await getWorkspace(workspaceId)) ?? {}).activeJob;
    const next = active ?? (await changeQueue(workspaceId));
    if (next === undefined) continue;
    await runner.start({ organizationId, jobId: next });
    runs++;
  }
  return { workspaces: owners.size, runs };
}
