/**
 * Ending a job: its terminal status, its steps' final statuses and its departure from the workspace
 * queue are one transaction, so a job can never end without freeing its workspace, and the next
 * waiting job becomes active in the same write. Used by cancel, reject, the runner's last task and
 * every failure path.
 */
import { Conflict } from '../domain/errors';
import type { JobStatus, StepStatus } from '../domain/job-status';
import { isTerminal } from '../domain/job-status';
import type { JobRecord, StepRecord } from '../domain/records';
import { startRun } from '../runs/start-run';
import { planUpdateJobIfStatus, readJob } from '../store/repositories/jobs';
import { changeQueue, queueWrite } from '../store/repositories/workspace-queue';
import { getWorkspace } from '../store/repositories/workspaces';
import { commit, ConditionFailed, type TxItem } from '../store/repositories/batch';
import { jobMetrics } from '../observability/metrics';

export interface Ending {
  status: Extract<JobStatus, 'completed' | 'rejected' | 'cancelled' | 'failed'>;
  /** New status for steps that had not ended (pending → notExecuted, running → failed, …). */
  stepStatus: (step: StepRecord) => StepStatus;
  output?: string | null;
  updatedBy: string;
  extra?: Partial<JobRecord>;
  /**
   * `when-run-ends`: a job holding its workspace keeps it until its run has ended (a cancelled job's
   * step is still stopping); the run's last task hands it on (releaseWorkspaceOf). Default: at once.
   */
  release?: 'now' | 'when-run-ends';
  /** More writes of the same end, in its transaction (the state version its last step saved); their own errors propagate. */
  alsoCommit?: TxItem[];
}

export class JobAlreadyEnded extends Error {
  constructor(readonly status: JobStatus) {
    super(`the job already ended (${status})`);
    this.name = 'JobAlreadyEnded';
  }
}

/**
 * Ends `job` if its status is still the one read. Throws JobAlreadyEnded when it ended meanwhile and
 * a 409 when it changed otherwise. Starts the next job of the workspace, if this freed it.
 */
export async function finishJob(job: JobRecord, ending: Ending): Promise<JobRecord> {
  if (isTerminal(job.status)) throw new JobAlreadyEnded(job.status);
  const at = new Date().toISOString();
  const steps = job.steps.map((s) =>
    s.status === 'pending' || s.status === 'running' ? { ...s, status: ending.stepStatus(s), finishedDate: s.status === 'running' ? at : s.finishedDate } : s,
  );
  const changes = {
    status: ending.status,
    steps,
    updatedBy: ending.updatedBy,
    updatedDate: at,
    ...(ending.output !== undefined ? { output: ending.output } : {}),
    ...ending.extra,
  };
  for (let attempt = 1; attempt <= 50; attempt++) {
    const workspace = await getWorkspace(job.workspaceId);
    const keep = ending.release === 'when-run-ends' && workspace?.activeJob === job.id;
    // A job kept on its workspace until its build stops still becomes the workspace's last job now.
    const queue = workspace ? queueWrite(workspace, keep ? {} : { leave: job.id }, { status: ending.status, at }) : undefined;
    try {
      await commit([planUpdateJobIfStatus(job, changes, { remove: ['taskToken'] }), ...(queue ? [queue.write] : []), ...(ending.alsoCommit ?? [])]);
      jobMetrics.ended(job, ending.status, new Date(at));
      if (queue?.start !== undefined) await startRun({ organizationId: job.organizationId, jobId: queue.start });
      return { ...job, ...changes, steps };
    } catch (error) {
      if (!(error instanceof ConditionFailed)) throw error;
      if (error.index === 0) {
        const current = await readJob(job.organizationId, job.id);
        const status = current?.status ?? 'cancelled';
        if (!current || isTerminal(status)) throw new JobAlreadyEnded(status);
        throw new Conflict(`the job changed while it was being updated (now ${status}); retry`);
      }
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(5 * attempt, 50)));
    }
  }
  throw new Error(`job ${job.id}: workspace ${job.workspaceId} queue is too contended`);
}

/**
 * The run of an ended job is over: its workspace, if the job still holds it (a cancel left it so
 * until the step had stopped), goes to the next waiting job. Idempotent, and a no-op for a job that
 * already left its workspace.
 */
export async function releaseWorkspaceOf(job: Pick<JobRecord, 'organizationId' | 'id' | 'workspaceId'>): Promise<void> {
  const next = await changeQueue(job.workspaceId, { leave: job.id });
  if (next !== undefined) await startRun({ organizationId: job.organizationId, jobId: next });
}
