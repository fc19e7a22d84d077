/** Run control in AWS: one Step Functions execution per job, named after the job (idempotent start). */
import { SFNClient, SendTaskSuccessCommand, StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import type { RunControl, RunRef } from '../../ports/run-control';
import { executionName } from '../../runs/run-state';
import { classifyTransientErrors } from './transient';
import { traced } from '../../observability/powertools';

export function executionArn(stateMachineArn: string, run: RunRef): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${executionName(run)}`;
}

const EXPIRED = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);
const nameOf = (error: unknown) => (error as { name?: string }).name ?? '';

/**
 * `requestStepStop` asks the executor build of a run to stop its step (it watches for the request):
 * stopping the execution instead would have Step Functions stop the build outright, terraform killed
 * mid-write with its state lock held, and the execution end (which hands the workspace on) before the
 * build has stopped.
 */
export function stepFunctionsRunControl(
  stateMachineArn: string,
  requestStepStop: (run: RunRef) => Promise<void>,
  client = classifyTransientErrors(traced(new SFNClient({}))),
): RunControl {
  return {
    async start(run) {
      try {
        await client.send(new StartExecutionCommand({ stateMachineArn, name: executionName(run), input: JSON.stringify(run) }));
      } catch (error) {
        if (nameOf(error) !== 'ExecutionAlreadyExists') throw error;
      }
    },
    async stop(run, how = {}) {
      if (how.interruptStep) return requestStepStop(run);
      try {
        await client.send(
          new StopExecutionCommand({ executionArn: executionArn(stateMachineArn, run), error: 'JobCancelled', cause: 'the job was cancelled' }),
        );
      } catch (error) {
        if (nameOf(error) !== 'ExecutionDoesNotExist') throw error;
      }
    },
    async resume(token, output) {
      try {
        await client.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(output) }));
        return 'ok';
      } catch (error) {
        if (EXPIRED.has(nameOf(error))) return 'expired';
        throw error;
      }
    },
  };
}
