/** Run controls for tests that run no engine: the wiring needs one chosen explicitly. */
import type { CreatedRun, RunControl, RunRef } from '../../shared/ports/run-control';

/** Starts nothing: a job handed its workspace stays where it is (its run's first task is driven by the test, if at all). */
export const noRuns: RunControl = { start: async () => undefined, stop: async () => undefined, resume: async () => 'expired' };

/** Records what the service asked of its runs. */
export function recordingRuns(
  resume: 'ok' | 'expired' = 'ok',
): RunControl & { started: RunRef[]; created: Map<number, CreatedRun>; stopped: RunRef[]; interrupted: RunRef[]; resumed: string[] } {
  const started: RunRef[] = [];
  /** What each run's starter handed over with it (the job it just created), by job id. */
  const created = new Map<number, CreatedRun>();
  const stopped: RunRef[] = [];
  /** Stops that asked the running step to stop and the run to end by itself (a cancel of a job that may be executing). */
  const interrupted: RunRef[] = [];
  const resumed: string[] = [];
  return {
    started,
    created,
    stopped,
    interrupted,
    resumed,
    start: async (run, handed) => {
      started.push(run);
      if (handed) created.set(run.jobId, handed);
    },
    stop: async (run, how) => void (how?.interruptStep ? interrupted : stopped).push(run),
    resume: async (token) => (resumed.push(token), resume),
  };
}
