/**
 * The Step Functions run control, its module (and the SDK client) loaded on the first call: a function
 * that never controls a run does not pay for it at cold start.
 */
import type { RunControl } from '../../ports/run-control';

export function lazyStepFunctionsRunControl(stateMachineArn: string): RunControl {
  let control: Promise<RunControl> | undefined;
  const load = () => (control ??= import('./step-functions').then((m) => m.stepFunctionsRunControl(stateMachineArn)));
  return {
    start: async (run) => (await load()).start(run),
    stop: async (run) => (await load()).stop(run),
    resume: async (token, output) => (await load()).resume(token, output),
  };
}
