/** The job runner in AWS: one Step Functions execution per job, named after the job (idempotent start). */
import { SFNClient, SendTaskSuccessCommand, StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { classifyTransientErrors } from '../adapters/aws/transient';
import type { JobRunner, RunRef } from './runner';

export const executionName = (run: RunRef) => `${run.organizationId}-${run.jobId}`;

export function executionArn(stateMachineArn: string, run: RunRef): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${executionName(run)}`;
}

const EXPIRED = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

export function sfnJobRunner(stateMachineArn: string, client = classifyTransientErrors(new SFNClient({}))): JobRunner {
  return {
    async start(run) {
      try {
        await client.send(new StartExecutionCommand({ stateMachineArn, name: executionName(run), input: JSON.stringify(run) }));
      } catch (error) {
        if ((error as { name?: string }).name !== 'ExecutionAlreadyExists') throw error;
      }
    },
    async stop(run) {
      try {
        await client.send(new StopExecutionCommand({ executionArn: executionArn(stateMachineArn, run), error: 'JobCancelled', cause: 'the job was cancelled' }));
      } catch (error) {
        if ((error as { name?: string }).name !== 'ExecutionDoesNotExist') throw error;
      }
    },
    async resume(token, output) {
      try {
        await client.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(output) }));
        return 'ok';
      } catch (error) {
        if (EXPIRED.has((error as { name?: string }).name ?? '')) return 'expired';
        throw error;
      }
    },
  };
}
