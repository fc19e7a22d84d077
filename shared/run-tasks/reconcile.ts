/**
 * After the local engine restarts, no job may stay stuck: every job that was active in its workspace
 * gets its run started again (Advance resumes what can be resumed and fails a step that was cut off),
 * and every workspace is settled so waiting jobs start. Reads go through the status index, never a Scan.
 */
import { ACTIVE_JOB_STATUSES } from '../domain/job-status';
import { queueStateOf } from '../domain/workspace-queue';
import { changeQueue } from '../jobs/queue';
import type { RunControl } from '../ports/run-control';
import { logger } from '../logger';
import { keys } from '../store/keys';
import { getItem, queryAll } from '../store/table';

interface LiveJob {
  organizationId: string;
  workspaceId: string;
  id: number;
  status: string;
}

export async function liveJobs(): Promise<LiveJob[]> {
  const orgs = await queryAll({ index: 'gsi1', KeyConditionExpression: 'gsi1pk = :p', ExpressionAttributeValues: { ':p': 'ORGS' }, ProjectionExpression: 'id' });
  const found = await Promise.all(
    orgs.flatMap((org) =>
      ACTIVE_JOB_STATUSES.map((status) =>
        queryAll({
          index: 'gsi2',
          KeyConditionExpression: 'gsi2pk = :p',
          ExpressionAttributeValues: { ':p': `ORG#${String(org.id)}#STATUS#${status}` },
          ProjectionExpression: 'organizationId, workspaceId, id, #s',
          ExpressionAttributeNames: { '#s': 'status' },
        }),
      ),
    ),
  );
  return found.flat() as unknown as LiveJob[];
}

export async function reconcile(runner: RunControl): Promise<{ resumed: number; queued: number }> {
  const jobs = await liveJobs();
  const byWorkspace = new Map<string, LiveJob[]>();
  for (const job of jobs) byWorkspace.set(job.workspaceId, [...(byWorkspace.get(job.workspaceId) ?? []), job]);
  let resumed = 0;
  let queued = 0;
  for (const [workspaceId, workspaceJobs] of byWorkspace) {
    const item = await getItem(keys.workspace(workspaceId));
    const state = queueStateOf(item ?? {});
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
