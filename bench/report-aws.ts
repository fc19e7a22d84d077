/**
 * BENCHMARKS.md's section on the reuse in AWS: the plan and its apply in one CodeBuild build (built),
 * what it changes in latency and cost per job (modelled from the local run and list prices: no stack has
 * been deployed), and the further reuse not built.
 */
import { CODEBUILD_OVERHEAD_S, PRICES } from './cost';
import { table } from './markdown';
import type { Results } from './results';
import { round } from './stats';

const money = (usd: number) => `$${usd.toFixed(usd >= 1 ? 2 : 3)}`;

export function awsSection(r: Results): string {
  const lambda = CODEBUILD_OVERHEAD_S.lambda;
  const ec2 = CODEBUILD_OVERHEAD_S.ec2;
  const planS = r.planApplyE2eMs.planStepP50 / 1000;
  const applyS = r.planApplyE2eMs.applyStepP50 / 1000;
  const prepareMs = round(r.planApplyPhasesMs.checkout + r.planApplyPhasesMs.init, 0);
  // What one build fewer saves: billed build time, the apply's Advance, Route and Execute, its Advance and StepStarted invocations.
  const lambdaSeconds = { two: Math.ceil(planS + lambda) + Math.ceil(applyS + lambda), one: Math.ceil(planS + applyS + lambda) };
  const ec2Minutes = { two: Math.ceil((planS + ec2) / 60) + Math.ceil((applyS + ec2) / 60), one: Math.ceil((planS + applyS + ec2) / 60) };
  const codeBuildSaved = (lambdaSeconds.two - lambdaSeconds.one) * 1000 * PRICES.codeBuildLambdaArm2GbPerSecond;
  const sfnSaved = 3 * PRICES.sfnStandardPerThousandTransitions;
  const path = r.cost.awsPath;
  const unchainedTotal = path?.unchained.per1000PlanApplyJobsUsd ?? r.cost.per1000PlanApplyJobsUsd;
  // The full model when this run costed both paths; else the two lines that change (the invocations are a tenth of a cent).
  const chainedTotal = path?.chained.per1000PlanApplyJobsUsd ?? unchainedTotal - codeBuildSaved - sfnSaved - 0.001;
  const transitions = { unchained: path?.unchained.transitions ?? r.sfnTransitions.planApply + 3, chained: path?.chained.transitions ?? r.sfnTransitions.planApply };
  const invocations = { unchained: path?.unchained.lambdaInvocationsPerJob ?? r.cost.lambdaInvocationsPerJob, chained: path?.chained.lambdaInvocationsPerJob ?? r.cost.lambdaInvocationsPerJob - 2 };
  const chains = path ? (path.stackChains ? `chains (a plan may take ${path.chainWithinSeconds} s)` : 'does not chain (840 s steps on Lambda compute)') : 'does not chain (840 s steps on Lambda compute)';
  const unchainedS = round(2 * lambda + planS + applyS, 1);
  return [
    '### The same reuse on AWS (the chain built; its effect modelled, not measured)',
    '',
    `In AWS each step is one CodeBuild build (Lambda compute by default): a build start plus the install phase (terraform download) is taken as ${lambda} s in the cost model (${ec2} s on EC2 compute), and a build keeps nothing for the next (Lambda compute refuses a project cache).`,
    '',
    '**Built: a plan and its apply in one build** (`shared/run-tasks/chained-step.ts`, `recorded.ts`, `executor/main.ts`, `infra/state-machine.ts`). When the flow’s next step after a plan is an apply (no approval between), the Advance function dispatches the plan with the apply’s context beside it, as locally; the Execute state passes it to the build (`TK_NEXT_*`, empty values when there is none, so no state is added). The build runs the plan and, when it found changes (the run’s own rule), applies the saved plan in the same directory (one terraform download, one checkout, one `init`), then exports both results: the plan’s as `TK_BOUNDARY`, written as soon as the plan ends with the apply provisionally failed, so a build whose executor dies mid-apply still reports the plan. The next Advance records the plan’s end and the apply’s start from it (`recordChainedStart`, what the local engine does beside the running apply; a retry finds them recorded), then the apply’s result. A plan without changes deletes the apply’s context unread. Tested through the synthesized definition with `startBuild.sync` run as the buildspec (`test/integration/aws-chained-build.test.ts`: 1 build and 6 transitions instead of 2 and 9, no changes, a failing apply, an executor killed mid-apply, a cancel) and in the cloud assembly deployed locally (`test/e2e/cloud-assembly.test.ts`).',
    '',
    `**When:** the apply keeps its full step time in the build, so the plan must end within min(the build’s limit, the Execute task’s timeout) − the step timeout − 60 s (install, checkout, uploads; 120 s on EC2 compute): \`chainWithinSeconds\` in \`infra/run-states.ts\`, handed to Advance as \`TERRAKUBE_CHAIN_WITHIN_SECONDS\`; a plan that takes longer hands the apply over as before. Lambda compute ends a build at 900 s, so **the default 840 s steps leave no room**: each step stays a build of its own; \`-c stepSeconds=600\` leaves a plan 240 s (steps of at most 780 s leave it a minute). On EC2 compute (build timeout: step + 300 s, of which two minutes are kept for provisioning, install and uploads) a plan has 180 s. The stack this bench synthesizes (defaults) ${chains}; the cost model (below) counts its path.`,
    '',
    '**Trade-offs:** a build sends one IN_PROGRESS event, so the plan’s end and the apply’s start become visible when the build ends (meanwhile the plan shows running; the apply’s log streams as it runs). A cancel during the apply stops it through its stop request as any step, and the plan, whose result arrives after the cancel, shows cancelled. A build killed outright (CodeBuild’s own limit) fails the job as before, the plan marked failed.',
    '',
    table(
      ['path (Lambda compute)', 'builds', 'transitions', 'Lambda invocations', 'latency per plan+apply job', `cost per 1,000 jobs`],
      [
        ['one build per step (the default stack)', '2', String(transitions.unchained), String(invocations.unchained), `≈ ${unchainedS} s: 2 × ${lambda} s of build start and install, the steps, a checkout and init in each build`, money(unchainedTotal)],
        [
          'the apply in the plan’s build (steps ≤ 780 s)',
          '1',
          String(transitions.chained),
          String(invocations.chained),
          `≈ −${lambda} s (−${round((lambda / unchainedS) * 100, 0)} %): one build start and install, one Advance → Route → Execute round, one checkout and init (${prepareMs} ms here for \`terraform_data\`; seconds for a repository with providers); + 2 DynamoDB requests in the last Advance (the chained start)`,
          `${money(chainedTotal)} (−${round(((unchainedTotal - chainedTotal) / unchainedTotal) * 100, 0)} %): CodeBuild ${lambdaSeconds.two} → ${lambdaSeconds.one} billed s (−${money(codeBuildSaved)}), Step Functions −3 transitions (−${money(sfnSaved)}), −2 invocations (Advance, StepStarted)`,
        ],
        [
          'the same on EC2 compute',
          '1 (of 2)',
          `${transitions.chained} (of ${transitions.unchained})`,
          `${invocations.chained} (of ${invocations.unchained})`,
          `≈ −${ec2} s: one queue, provisioning and install`,
          `CodeBuild ${ec2Minutes.two} → ${ec2Minutes.one} billed minutes: −${money((ec2Minutes.two - ec2Minutes.one) * 1000 * PRICES.codeBuildGeneral1SmallPerMinute)}`,
        ],
      ],
    ),
    '',
    'Not built (modelled only):',
    '',
    table(
      ['change', 'latency per plan+apply job', 'cost per 1,000 jobs'],
      [
        [
          '**Between builds of a job** (an approval between plan and apply): the first build uploads its prepared directory (checkout + `.terraform`, providers included) as one archive under the job’s prefix beside its plan; the next build restores it when its fingerprint and commit match (the same record `work-dir.ts` keeps), else prepares as now; deleted with the job’s artifacts. Needs a job-scoped artifact grant.',
          '− the clone and `init` of the apply build (seconds for a real repository with providers; ≈ 0.1 s for `terraform_data`), + one archive upload and download',
          '+1 S3 PUT and +1 GET per job (≈ +$0.005); build seconds fall by the init time saved',
        ],
        ['**terraform baked into the build image** (ECR) instead of downloading it in the install phase', '− the download, a few seconds per build', 'ECR storage (cents per month); build seconds fall by the download time'],
      ],
    ),
  ].join('\n');
}
