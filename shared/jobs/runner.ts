/**
 * The port through which the service starts, stops and resumes job runs: Step Functions in AWS
 * (STATE_MACHINE_ARN set), the embedded engine locally (configured by `npm start`).
 */
import { logger } from '../logger';

export interface RunRef {
  organizationId: string;
  jobId: number;
}

export interface JobRunner {
  /** Starts the run of a job that just became active in its workspace. Idempotent per job. */
  start(run: RunRef): Promise<void>;
  /** Stops a run (cancel). Idempotent; a run that already ended is fine. */
  stop(run: RunRef): Promise<void>;
  /** Settles an approval wait; 'expired' when the run no longer waits for this token. */
  resume(token: string, output: { decision: 'approved' | 'rejected' }): Promise<'ok' | 'expired'>;
}

const noRunner: JobRunner = {
  start: async () => undefined,
  stop: async () => undefined,
  resume: async () => 'expired',
};

let current: JobRunner | undefined;
let factory: (() => JobRunner) | undefined;

/** Deployment wiring: the factory is called lazily, once per container. */
export function configureJobRunner(create: (() => JobRunner) | undefined): void {
  factory = create;
  current = undefined;
}

export function jobRunner(): JobRunner {
  if (!current) {
    if (factory) current = factory();
    else if (process.env.STATE_MACHINE_ARN) current = lazySfn(process.env.STATE_MACHINE_ARN);
    else current = noRunner;
  }
  return current;
}

/** Loads the Step Functions client only when a run is actually controlled (cold start stays light). */
function lazySfn(arn: string): JobRunner {
  const runner = import('./sfn-runner').then((m) => m.sfnJobRunner(arn));
  return {
    start: async (run) => (await runner).start(run),
    stop: async (run) => (await runner).stop(run),
    resume: async (token, output) => (await runner).resume(token, output),
  };
}

/**
 * Starts the run of a job that became active. A failure here is not the caller's failure: the job is
 * already active, and the safety net (the table stream in AWS, reconciliation locally) starts it.
 */
export async function startRun(run: RunRef): Promise<void> {
  try {
    await jobRunner().start(run);
  } catch (error) {
    logger.error('could not start a job run now; the safety net will', { ...run, error });
  }
}
