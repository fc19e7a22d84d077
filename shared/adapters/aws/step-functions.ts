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
 * Start, stop and resume of executions. Stopping here always stops the execution: a run that may be
 * executing a step is not stopped this way but has its step interrupted through the artifact store
 * (the wiring composes the two into the RunControl port), since stopping the execution would have Step
 * Functions stop the build outright, terraform killed mid-write with its state lock held, and the
 * execution end (which hands the workspace on) before the build has stopped.
 */
export type ExecutionControl = Pick<RunControl, 'start' | 'resume'> & { stop(run: RunRef): Promise<void> };

export function stepFunctionsExecutions(stateMachineArn: string, client = classifyTransientErrors(traced(new SFNClient({})))): ExecutionControl {
  return {
    async start(run) {
      try {
        await client.send(new StartExecutionCommand({ stateMachineArn, name: executionName(run), input: JSON.stringify(run) }));
      } catch (error) {
        if (nameOf(error) !== 'ExecutionAlreadyExists') throw error;
      }
    },
    async stop(run) {
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
