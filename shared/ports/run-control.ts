/**
 * Port: starting, stopping and resuming a job's run. Adapters: Step Functions in AWS
 * (adapters/aws/step-functions.ts), the embedded engine locally (local/engine.ts, registered by
 * `npm start`); chosen by the wiring.
 */
import type { JobRecord, TemplateRecord } from '../domain/records';

export interface RunRef {
  organizationId: string;
  jobId: number;
  /**
   * What the starter knows of the job (it just created it), so the run's first task reads the job,
   * its workspace and its template at once instead of one after the other. Hints only: the task
   * checks them against the job it reads.
   */
  workspaceId?: string;
  templateReference?: string | null;
}

/**
 * The job its creator just committed and the template it read for it, handed to the run in the same
 * process (the local engine): the run's first task then writes without reading first, conditional on
 * exactly this job still waiting. Never sent to Step Functions (an execution's input is kept in its
 * history and is limited in size).
 */
export interface CreatedRun {
  job: JobRecord;
  template?: TemplateRecord;
  /**
   * The creator's word that the job claimed its workspace in the transaction that created it: a job
   * that still waits keeps the workspace it was given (only its end moves the queue on), so the first
   * dispatch needs no read of the workspace to know it. Without it the run reads first.
   */
  holdsWorkspace?: true;
}

export interface RunControl {
  /** Starts the run of a job that just became active in its workspace. Idempotent per job. */
  start(run: RunRef, created?: CreatedRun): Promise<void>;
  /**
   * Stops a run (cancel). Idempotent; a run that already ended is fine. With `interruptStep` (the run
   * may be executing a step), the step is asked to stop as terraform wants it (an interrupt: it
   * finishes its write and releases its state lock), and the run then ends by itself, handing the
   * workspace on only after the step really stopped; without it, the run is stopped at once.
   */
  stop(run: RunRef, how?: { interruptStep?: boolean }): Promise<void>;
  /** Settles an approval wait; 'expired' when the run no longer waits for this token. */
  resume(token: string, output: { decision: 'approved' | 'rejected' }): Promise<'ok' | 'expired'>;
}

/**
 * What job creation and the workspace hand-over need: starting runs. Kept apart from stopping them, which
 * in AWS goes through the artifact store too (a step is interrupted there), so the functions that only
 * start runs carry neither S3 nor its client.
 */
export type RunStarter = Pick<RunControl, 'start'>;
