/**
 * The result a run task was handed (the executor's exported variables, or an approval), as the step it
 * belongs to; and the state a step saved, made the workspace's current version when the run fails
 * before Advance could (RecordFailure): a saved state is current whatever became of the job.
 */
import type { JobRecord } from '../domain/records';
import { logger } from '../logger';
import { boundaryFromExported, fromExported } from '../runs/executor-contract';
import type { RunState } from '../runs/run-state';
import { recordRunState } from '../state/state-versions';
import { readJob } from '../store/repositories/jobs';
import { ChainRefused, isChainedAfter, recordChainedStart } from './chained-step';
import type { Recorded } from './decide';

export function recordedFrom(state: RunState): Recorded | undefined {
  if (!state.step || !state.result) return undefined;
  if (state.result.exported) {
    const executed = fromExported(state.result.exported);
    // A chained step's result names its step (it is not the step this task handed over).
    return { stepId: executed.stepId ?? state.step.id, executed };
  }
  if (state.result.decision === 'approved') return { stepId: state.step.id, approved: true };
  return undefined;
}

/**
 * A result that names another step than the one handed over counts for that step only when Advance
 * chained that apply to the plan (the executor's result is not trusted further: a build's user code
 * could write it); otherwise it is the handed-over step's.
 */
export function ownStep(job: JobRecord, state: RunState, recorded: Recorded | undefined): Recorded | undefined {
  if (!recorded || !state.step || recorded.stepId === state.step.id) return recorded;
  const chained = state.executor?.chained === recorded.stepId && isChainedAfter(job.steps, state.step.id, recorded.stepId);
  return chained ? recorded : { ...recorded, stepId: state.step.id };
}

/**
 * A build that ran a plan and its chained apply reports both at its end: before Advance records the
 * apply's result, the plan's end and the apply's start are recorded as the local engine records them at
 * the boundary (recordChainedStart: a retried Advance finds them recorded). Only for the apply Advance
 * chained; a chain the run's rules refuse is left to Advance, where the plan still running fails the job.
 */
export async function recordExportedBoundary(state: RunState): Promise<void> {
  const chained = state.executor?.chained;
  const boundary = chained ? boundaryFromExported(state.result?.exported) : undefined;
  if (!chained || !boundary || !state.step || recordedFrom(state)?.stepId !== chained) return;
  // The build's clock says when the plan ended; never later than now.
  const at = new Date(Math.min(boundary.at, Date.now()));
  try {
    await recordChainedStart(state, { stepId: state.step.id, result: boundary.result }, { stepId: chained }, at);
  } catch (error) {
    if (!(error instanceof ChainRefused)) throw error;
    logger.warn('a chained step the run would not go on with', { organizationId: state.organizationId, jobId: state.jobId, reason: error.message });
  }
}

/** Best effort: the run failed (RecordFailure) after a step saved a state that no Advance recorded. */
export async function recordSavedState(state: RunState): Promise<void> {
  const recorded = recordedFrom(state);
  const written = recorded && 'executed' in recorded ? recorded.executed.state : undefined;
  if (!written) return;
  const job = await readJob(state.organizationId, state.jobId);
  const verified = job && ownStep(job, state, recorded);
  if (job && verified) await recordRunState(job, verified.stepId, written);
}
