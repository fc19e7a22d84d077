/**
 * The port through which the API starts and stops job runs. In AWS it is Step Functions; locally, the
 * embedded engine. Until a runner is configured jobs simply stay pending.
 */
export interface RunRef {
  organizationId: string;
  jobId: number;
}

export interface JobRunner {
  /** Starts the run of a job that just became active in its workspace. Idempotent per job. */
  start(run: RunRef): Promise<void>;
  /** Stops a run (cancel). Idempotent; a run that already ended is fine. */
  stop(run: RunRef): Promise<void>;
}

const noRunner: JobRunner = {
  start: async () => undefined,
  stop: async () => undefined,
};

let current: JobRunner | undefined;
let factory: (() => JobRunner) | undefined;

/** Deployment wiring: the factory is called lazily, once per container. */
export function configureJobRunner(create: () => JobRunner): void {
  factory = create;
  current = undefined;
}

export function jobRunner(): JobRunner {
  current ??= factory ? factory() : noRunner;
  return current;
}
