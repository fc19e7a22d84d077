/**
 * The Step Functions run control, its module (and the SDK client) loaded on the first call: a function
 * that never controls a run does not pay for it at cold start.
 */
import type { RunControl, RunRef } from '../../ports/run-control';

export function lazyStepFunctionsRunControl(stateMachineArn: string, requestStepStop: (run: RunRef) => Promise<void>): RunControl {
  let control: Promise<RunControl> | undefined;
  const load = () => (control ??= import('./step-functions').then((m) => m.stepFunctionsRunControl(stateMachineArn, requestStepStop)));
  return {
    start: async (run) => (await load()).start(run),
    stop: async (run, how) => (await load()).stop(run, how),
    resume: async (token, output) => (await load()).resume(token, output),
  };
}
