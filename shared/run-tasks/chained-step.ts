/**
 * A chained step (issue 16): the apply that follows a plan with no approval between them runs in the
 * same executor process right after the plan, without a round through the state machine. Advance
 * prepares its context beside the plan's (chainedContext) and hands both to the executor (`next`);
 * when the plan ends with changes the executor goes on at once, and recordChainedStart records what
 * Advance would have: the plan's result and the apply started. The local engine does so beside the
 * running apply; in AWS a build reports both results at its end, and the next Advance records the
 * plan's first (recorded.ts). The apply's own result names its step; Advance records it and moves on.
 */
import type { Flow } from '../domain/flow';
import { isTerminal } from '../domain/job-status';
import type { JobRecord, StepRecord } from '../domain/records';
import type { ExecutorResult } from '../runs/executor-contract';
import { RUNNER_IDENTITY } from '../runs/run-state';
import { recordRunState } from '../state/state-versions';
import { commit, ConditionFailed } from '../store/repositories/batch';
import { planUpdateJobIfStatus, readJob } from '../store/repositories/jobs';
import { planLastJob } from '../store/repositories/workspace-queue';
import { chainWithinSeconds } from '../wiring';
import { decide, isPlan } from './decide';
import { loadTcl } from '../domain/load-tcl';

/** The apply that directly follows plan step `planStepId` (an approval between them is a wait, not a chain). */
function applyAfterPlan(steps: JobRecord['steps'], planStepId: string): StepRecord | undefined {
  const ordered = [...steps].sort((a, b) => a.stepNumber - b.stepNumber);
  const at = ordered.findIndex((s) => s.id === planStepId);
  const plan = ordered[at];
  const next = ordered[at + 1];
  return plan && isPlan(plan.type) && next?.type === 'terraformApply' ? next : undefined;
}

/** The step a plan's apply may be chained to: that apply, while it has not run. */
export function chainableAfter(steps: JobRecord['steps'], flows: Flow[], planStepId: string): { stepId: string; flow: Flow } | undefined {
  const next = applyAfterPlan(steps, planStepId);
  const flow = next?.status === 'pending' ? flows.find((f) => f.step === next.stepNumber) : undefined;
  return next && flow?.type === 'terraformApply' ? { stepId: next.id, flow } : undefined;
}

/** Whether `stepId` is the apply that follows plan `planStepId` directly (the only step a chain may run). */
export const isChainedAfter = (steps: JobRecord['steps'], planStepId: string, stepId: string): boolean => applyAfterPlan(steps, planStepId)?.id === stepId;

export type ChainOutcome = 'recorded' | 'ended';

/** The run's rules would not go on with the chained step (the flow or the plan's result says otherwise). */
export class ChainRefused extends Error {}

/** The executor's `next` (the Execute state passes it as TK_NEXT_*): empty strings when nothing is chained. */
export function chainFields(chained: { stepId: string; context: string; dispose: string } | undefined, chain: boolean | { withinMs: number } | undefined) {
  const withinMs = chained && typeof chain === 'object' ? String(chain.withinMs) : '';
  return {
    ...(chained ? { chained: chained.stepId } : {}),
    next: { step: chained?.stepId ?? '', context: chained?.context ?? '', dispose: chained?.dispose ?? '', withinMs },
  };
}

/** The AWS Advance's chain: a CodeBuild build runs a plan's apply too when the apply's full step time fits in it. */
export function codeBuildChain(): { chain?: { withinMs: number } } {
  const within = chainWithinSeconds();
  return within > 0 ? { chain: { withinMs: within * 1000 } } : {};
}

/**
 * Records the plan's result and the chained apply as running since `at`. 'ended': the job ended
 * meanwhile (a cancel, which stops the executor by itself). Throws when the run's rules would not go on
 * with that apply (the caller then stops it; Advance, handed the apply's result, fails the job with the
 * plan still running as the reason).
 */
export async function recordChainedStart(
  run: { organizationId: string; jobId: number },
  ended: { stepId: string; result: ExecutorResult },
  chained: { stepId: string },
  at: Date,
): Promise<ChainOutcome> {
  const { parseTcl } = await loadTcl();
  for (let attempt = 1; attempt <= 10; attempt++) {
    const job = await readJob(run.organizationId, run.jobId);
    if (!job || isTerminal(job.status)) return 'ended';
    // Already recorded (a retry after a write that landed but answered with an error), or past it (a
    // retried Advance that recorded the chained step's own result too).
    const stepOf = (id: string) => job.steps.find((s) => s.id === id);
    const next = stepOf(chained.stepId);
    if (stepOf(ended.stepId)?.status === ended.result.status && next && next.status !== 'pending') return 'recorded';
    if (!job.tcl) throw new Error(`job ${job.id} has no frozen flow to chain a step in`);
    if (attempt === 1 && ended.result.state) await recordRunState(job, ended.stepId, ended.result.state);
    const now = at.toISOString();
    const decision = decide(job, parseTcl(job.tcl), { stepId: ended.stepId, executed: ended.result }, now);
    if (decision.next.kind !== 'execute' || decision.next.step.id !== chained.stepId) {
      throw new ChainRefused(`job ${job.id}: the run would not go on with step ${chained.stepId} (${decision.next.kind})`);
    }
    const steps = decision.steps.map((s) => (s.id === chained.stepId ? { ...s, status: 'running' as const, startedDate: now } : s));
    try {
      await commit([
        planUpdateJobIfStatus(job, { ...decision.fields, steps, status: 'running', updatedBy: RUNNER_IDENTITY, updatedDate: now }),
        planLastJob(job.workspaceId, { status: 'running', at: now }),
      ]);
      return 'recorded';
    } catch (error) {
      if (!(error instanceof ConditionFailed)) throw error;
    }
  }
  throw new Error(`job ${run.jobId}: too many concurrent changes while recording a chained step`);
}
