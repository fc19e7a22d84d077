/**
 * The AWS path of a plan+apply job for the cost model, from the local engine's measurements: the
 * stack's path, chained or not, and the other one beside it.
 */
import { costModel, type CostModel } from './cost';
import type { Measurements } from './results';
import type { PlanApplyResult } from './runs';
import { median } from './stats';

/**
 * The plan+apply execution as AWS runs it. Chained (the stack gives Advance room for the apply in the
 * plan's build), it is the local engine's path: one Execute runs both steps, and the next Advance
 * records the plan's end and the apply's start from what the build exported. Unchained (the default
 * Lambda-compute stack: 840 s steps leave no room), the apply is a build of its own: one Advance,
 * Route and Execute more.
 */
function awsPath(planApply: PlanApplyResult, chained: boolean): { statesEntered: Record<string, number>; transitions: number } {
  const entered = planApply.statesEntered;
  const transitions = planApply.transitions.at(-1) ?? 0;
  if (chained || (entered.Execute ?? 0) >= 2) return { statesEntered: entered, transitions };
  const more = (state: string) => (entered[state] ?? 0) + 1;
  return { statesEntered: { ...entered, Advance: more('Advance'), Route: more('Route'), Execute: more('Execute') }, transitions: transitions + 3 };
}

/** The cost model of the AWS path, chained or not, from the same measurements. */
export function awsCost(m: Measurements, clientGets: number, chained: boolean): CostModel {
  const rt = m.roundTrips;
  const aws = awsPath(m.planApply, chained);
  // Requests per Advance, from the run as measured (locally chained: its Advances, step starts and the chained start's
  // read and write, which in AWS the Advance after the build makes; an unchained path makes neither).
  const localBuilds = m.planApply.statesEntered.Execute ?? 0;
  const localAdvances = m.planApply.statesEntered.Advance ?? 1;
  const chainRequests = aws.transitions > (m.planApply.transitions.at(-1) ?? 0) ? 2 : 0;
  const runRequests = m.capacity.postAndRun.requests - rt.createJob.total;
  return costModel({
    clientGets,
    stack: m.stack,
    statesEntered: aws.statesEntered,
    transitions: aws.transitions,
    capacity: m.capacity,
    ms: {
      authorizer: m.overhead.authorizerMs,
      post: Math.max(0, m.roundTrips.timings.postMs - m.overhead.authorizerMs),
      get: m.overhead.handlerMs.median,
      advance: median(m.planApply.advanceMs),
    },
    roundTrips: { post: rt.createJob.total, get: rt.getJobWithSteps.total, stepStarted: 2, advance: Math.max(0, (runRequests - 2 * localBuilds - chainRequests) / localAdvances) },
    planStepS: median(m.planApply.planStepMs) / 1000,
    applyStepS: median(m.planApply.applyStepMs) / 1000,
    chained: chained && (m.planApply.statesEntered.Execute ?? 0) < 2,
  });
}
