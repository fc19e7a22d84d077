/**
 * A cancel reaches the executor as a request in the artifact store: in AWS the build has no other way
 * in (stopping the build itself would kill terraform mid-write, its state lock held). The executor
 * looks for the request before the step starts and then every few seconds, and stops the step as on
 * SIGINT; a failed look is tried again at the next tick.
 */
import type { Artifacts } from './artifacts';
import type { ArtifactRef } from '../shared/runs/executor-contract';

export interface StopWatch {
  /** Looks once now; true when a stop was requested. */
  check(): Promise<boolean>;
  dispose(): void;
}

export function watchStopRequest(artifacts: Pick<Artifacts, 'readText'>, ref: ArtifactRef, onStop: () => void, intervalMs: number): StopWatch {
  let stopped = false;
  let looking = false;
  const check = async () => {
    if (stopped || looking) return stopped;
    looking = true;
    try {
      if ((await artifacts.readText(ref)) !== undefined) {
        stopped = true;
        onStop();
      }
    } catch {
      // the next tick looks again
    } finally {
      looking = false;
    }
    return stopped;
  };
  const timer = setInterval(() => void check(), intervalMs);
  timer.unref();
  return { check, dispose: () => clearInterval(timer) };
}
