/**
 * The Step Functions executions, their module (and the SDK client) loaded on the first call: a function
 * that never controls a run does not pay for it at cold start.
 */
import type { ExecutionControl } from './step-functions';

export function lazyStepFunctionsExecutions(stateMachineArn: string): ExecutionControl {
  let control: Promise<ExecutionControl> | undefined;
  const load = () => (control ??= import('./step-functions').then((m) => m.stepFunctionsExecutions(stateMachineArn)));
  return {
    start: async (run) => (await load()).start(run),
    stop: async (run) => (await load()).stop(run),
    resume: async (token, output) => (await load()).resume(token, output),
  };
}
