/**
 * Reactions to workspace changes that concern the job queue: unlocking a workspace starts its oldest
 * waiting job at once (contract §4.1), by the same queue write every other hand-over uses.
 */
import { changeQueue } from '../jobs/queue';
import { startRun } from '../runs/start-run';

export async function onWorkspaceUnlocked(organizationId: string, workspaceId: string): Promise<void> {
  const start = await changeQueue(workspaceId);
  if (start !== undefined) await startRun({ organizationId, jobId: start });
}
