/** Run controls for tests that run no engine: the wiring needs one chosen explicitly. */
import type { RunControl, RunRef } from '../../shared/ports/run-control';

/** Starts nothing: a job handed its workspace stays where it is (its run's first task is driven by the test, if at all). */
export const noRuns: RunControl = { start: async () => undefined, stop: async () => undefined, resume: async () => 'expired' };

/** Records what the service asked of its runs. */
export function recordingRuns(resume: 'ok' | 'expired' = 'ok'): RunControl & { started: RunRef[]; stopped: RunRef[]; resumed: string[] } {
  const started: RunRef[] = [];
  const stopped: RunRef[] = [];
  const resumed: string[] = [];
  return {
    started,
    stopped,
    resumed,
    start: async (run) => void started.push(run),
    stop: async (run) => void stopped.push(run),
    resume: async (token) => (resumed.push(token), resume),
  };
}
