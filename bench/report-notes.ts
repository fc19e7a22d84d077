/** The analytic parts of BENCHMARKS.md: causes of missed budgets, the comparison, the cost model. */
import { formatUsd, PRICES } from './cost';
import { table } from './markdown';
import type { Results } from './results';
import { round } from './stats';

/** A budget value with its unit: `3`, `1.2×`, `84 ms`. */
const withUnit = (value: number, unit: string) => (unit === '×' ? `${value}×` : unit ? `${value} ${unit}` : String(value));

const commands = (byCommand: Record<string, number>) => Object.entries(byCommand).map(([c, n]) => `${c.replace(/Command$/, '')} ×${n}`).join(', ');

/** Where each budgeted figure comes from in the code, and what the measurements say about it. */
const CAUSES: Record<string, (r: Results) => string> = {
  'ddbRoundTrips.getJob': (r) =>
    `GET job reads through \`readableJob\` → \`loadJob\` → \`loadWithOrganization\` (shared/resources/jobs.ts, shared/resources/common.ts): ${commands(r.ddbRoundTripsByCommand.getJob)}.`,
  'ddbRoundTrips.getJobWithSteps': (r) => `GET job include=step (\`renderJob\`, shared/resources/jobs.ts): ${commands(r.ddbRoundTripsByCommand.getJobWithSteps)}.`,
  'ddbRoundTrips.createJob': (r) => `POST job (\`createJob\`, shared/jobs/create-job.ts): ${commands(r.ddbRoundTripsByCommand.createJob)}.`,
  'ddbRoundTrips.patchJobStatus': (r) =>
    `Cancel (\`patchJob\` → \`cancel\` in shared/resources/jobs.ts → \`finishJob\` in shared/jobs/finish-job.ts, which reads the workspace before its transaction): ${commands(r.ddbRoundTripsByCommand.patchJobStatus)}.`,
  'ddbRoundTrips.listJobsPage': (r) => `List one page (\`listOrganizationJobs\`, shared/resources/job-list.ts): ${commands(r.ddbRoundTripsByCommand.listJobsPage)}.`,
  'handlerOverheadRatio.getJob': (r) => {
    const h = r.handlerOverheadRatio;
    return (
      `The handler takes ${h.handlerMedianMs} ms against ${h.rawGetItemMedianMs} ms for the raw GetItem. Its own DynamoDB request is a BatchGetItem of two items ` +
      `(organization + job, \`loadWithOrganization\` in shared/resources/common.ts), which alone takes ${h.rawBatchGetOrgAndJobMedianMs} ms raw; the remaining ` +
      `${round(h.handlerMedianMs - h.rawBatchGetOrgAndJobMedianMs, 3)} ms are middy and request parsing (\`apiHandler\`, shared/http/api-handler.ts), authorization ` +
      `(\`requireMember\`) and the JSON:API rendering (\`jobResource\`, shared/resources/job-documents.ts).`
    );
  },
  'coldInitMs.max': (r) =>
    `${bundleCause(r.coldInitSlowest, r.coldInitInputs, 'Module init is mostly parsing and evaluating the bundled code, so it follows the bundle’s size and what runs at import time')} ` +
    `In CPU time the slowest init is ${r.coldInitCpuMs.max} ms (load average after this phase: ${r.loadAverage.coldInit ?? '?'} on ${r.machine.cores} cores).`,
  'bundleKb.max': (r) => bundleCause(r.bundleLargest, r.bundleLargestInputs, 'Size'),
  'jobStartMs.p50': (r) =>
    `POST answered → first step running is what is left of the first Advance task once the POST is answered (shared/run-tasks/advance.ts \`advance\`: handed the job by its creator, it writes the job's steps and status alone, the workspace's last job and a read of the workspace with its variables beside it and the step context written — p50 ${r.planApplyE2eMs.advanceTaskP50} ms per Advance here), two state transitions and handing the step to a warm executor process (local/executor-process.ts); the start is recorded at the handover (local/engine.ts).`,
  'clientPostToRunningMs.p50': (r) =>
    `POST sent → step handed over is ${r.jobStartMs.fromPostSentP50} ms (the POST's two requests, then the dispatch's write of the job, sent before the POST is answered); the rest is the client's polling: a read every 5 ms, each one a BatchGetItem, so the read that sees \`running\` lands a few ms after that write.`,
  'planApplyToBareTerraformRatio': (r) =>
    `The service's plan+apply p50 ${r.planApplyE2eMs.p50} ms against ${r.bareTerraformMs.p50} ms for bare terraform in the same run; per phase: ${Object.entries(r.planApplyPhasesMs).map(([k, v]) => `${k} ${v}`).join(', ')} ms (see [Speed to the floor](#speed-to-the-floor-where-a-planapply-jobs-time-goes)).`,
  'createJobsToRawCreateRequestsRatio': (r) =>
    `Job creation over HTTP (${r.createJobsPerSec}/s) against the same DynamoDB requests sent raw (${r.rawCreateJobRequestsPerSec}/s), see [Job creation under load](#job-creation-under-load).`,
  'planApplyE2eMs.p50': (r) =>
    `Of the p50 ${r.planApplyE2eMs.p50} ms, the plan step takes ${r.planApplyE2eMs.planStepP50} ms and the apply ${r.planApplyE2eMs.applyStepP50} ms ` +
    `(executor/run-step.ts: clone, terraform init, plan/apply); the service itself adds ${r.planApplyE2eMs.orchestrationP50} ms.`,
  'sfnTransitions.planApply': (r) =>
    `infra/state-machine.ts \`jobRunDefinition\`: Advance → Route → Execute per step, then Advance → Route → Done; locally the apply runs chained inside its plan's Execute (no Advance, Route, Execute of its own): ${Object.entries(r.sfnTransitions.statesEntered).map(([s, n]) => `${s} ×${n}`).join(', ')}.`,
};

function bundleCause(entry: string, inputs: Results['coldInitInputs'], what: string): string {
  const parts = inputs.map((i) => `${i.name} ${i.kb} KB${i.via?.length ? ` (via ${i.via.map((v) => `\`${v}\``).join(' → ')})` : ''}`);
  return `${what}: \`${entry}\` is made of ${parts.join('; ')}.`;
}

export function missesSection(r: Results): string {
  const missed = r.budgets.filter((b) => !b.met);
  const lines: string[] = [];
  if (missed.length === 0) lines.push('No budget was missed in this run.', '');
  for (const b of missed) {
    const by = `${withUnit(round(Math.abs(b.value - b.limit), 3), b.unit === '×' ? '' : b.unit)} (${round(Math.abs(b.value / b.limit - 1) * 100, 0)} % ${b.atLeast ? 'under' : 'over'})`;
    lines.push(`- **\`${b.key}\`** = ${withUnit(b.value, b.unit)}, budget ${b.atLeast ? '≥' : '≤'} ${withUnit(b.limit, b.unit)}: missed by ${by}. ${CAUSES[b.key]?.(r) ?? ''}`);
  }
  if (missed.length) lines.push('');
  lines.push('Where each figure comes from, met or not:', '');
  for (const b of r.budgets.filter((x) => x.met)) lines.push(`- \`${b.key}\` (${withUnit(b.value, b.unit)}): ${CAUSES[b.key]?.(r) ?? ''}`);
  return lines.join('\n');
}

export function comparisonSection(r: Results): string {
  const startS = r.jobStartMs.p50 / 1000;
  const e2eS = r.planApplyE2eMs.p50 / 1000;
  const share = round((r.planApplyE2eMs.orchestrationP50 / r.planApplyE2eMs.p50) * 100, 0);
  return [
    table(
      ['', 'plan start wait', 'trivial run, end to end'],
      [
        ['Terrakube (reported by its users)', '30–60 s', '1 min 55 s'],
        ['HCP Terraform', '', '23 s'],
        ['OTF', '', '11 s'],
        ['this service, **local** (measured here)', `${round(startS, 3)} s (p50)`, `${round(e2eS, 2)} s (p50, plan + apply)`],
        ['this service, **AWS**, Lambda compute (default; estimate, not measured)', `${round(startS, 1)} s + one CodeBuild Lambda start and terraform download (≈ 5–15 s)`, `≈ 2 such starts + ${round(e2eS, 1)} s ≈ 10–30 s`],
        ['this service, **AWS**, `executorCompute: ec2` (estimate)', `${round(startS, 1)} s + one on-demand CodeBuild start (≈ 25–70 s)`, `≈ 1–2.5 min`],
      ],
    ),
    '',
    'The other figures are not ours to re-measure and include their runners’ start-up; ours locally do not. Read them with that in mind:',
    '',
    `- **What the service itself costs is small and machine-independent in proportion:** of a local plan+apply, the terraform steps take ${r.planApplyE2eMs.planStepP50} + ${r.planApplyE2eMs.applyStepP50} ms and the service (API, ${r.sfnTransitions.planApply} state transitions, ${r.sfnTransitions.statesEntered.Advance ?? 0} Advance tasks, step bookkeeping) ${r.planApplyE2eMs.orchestrationP50} ms, i.e. ${share} % of the run. A job reaches its first running step in ${r.jobStartMs.p50} ms locally, against the 30 s low end of Terrakube’s wait — but that gap is almost all CodeBuild’s to lose, see the next point.`,
    '- **What AWS adds:** each step is one CodeBuild build (`infra/constructs/executor-project.ts`; a plan and its apply share one when the apply’s step time fits in it). By default it runs on **CodeBuild Lambda compute** (arm64, 2 GB): no instance to provision, so a build starts in seconds, and it bills per second; the install phase downloads terraform (`infra/constructs/executor-buildspec.ts`, a few seconds). Its limits: a build lasts at most 15 minutes (so a step’s timeout is capped at 840 s), no root or Docker, Lambda-sized disk. `executorCompute: ec2` (on-demand `general1.small`) lifts them at the price of tens of seconds of QUEUED/PROVISIONING per step and per-minute billing — Terrakube’s range again. Neither start has been measured on a deployed stack here: measure it before quoting it.',
    '- **Options to go further** (not made here):',
    '  1. Run all steps of a job in **one build** (approvals would end the build and start a new one): one start per job instead of one per step.',
    '  2. A **custom build image with terraform baked in** (ECR): removes the download from the install phase.',
    '  3. **CodeBuild reserved-capacity fleets** for EC2 compute: warm instances start in seconds, but a fleet bills per instance-minute while it exists, which ends the “nothing billed at idle” property.',
    `- Ratios rather than absolute numbers where the machine decides: the GET handler costs ${r.handlerOverheadRatio.getJob}× a raw GetItem; a job creation over HTTP costs ${round(1 / r.createJobsToRawPutRatio, 1)}× a raw PutItem’s throughput.`,
  ].join('\n');
}

/** When alarms are most of the idle bill, say why and what would cut it. */
function alarmNote(r: Results): string {
  const alarms = r.costModel.idle.find((l) => l.item.startsWith('CloudWatch alarms'));
  if (!alarms || alarms.usd < r.costModel.idleTotal / 2) return '';
  return (
    ` Alarms are ${formatUsd(alarms.usd)} of it: CloudWatch bills every metric an alarm evaluates, and ${r.stack.alarmMetrics} metrics are evaluated by ${r.stack.alarms} alarms ` +
    '(metric-math alarms that add up per-function Errors/Throttles count each function). Lambda’s account-wide `Errors` and `Throttles` metrics (no FunctionName dimension) ' +
    'would watch every function with two alarm metrics where the account runs only this stack; the per-function detail stays in the metrics themselves.'
  );
}

export function costSection(r: Results): string {
  const c = r.costModel;
  const p = PRICES;
  const codeBuild = c.perThousandJobs.at(-1)?.usd ?? 0;
  return [
    `Prices: ${p.basis}`,
    '',
    table(
      ['service', 'price used'],
      [
        ['API Gateway HTTP API', `$${p.apiGatewayHttpPerMillion} per million requests`],
        ['Lambda (arm64)', `$${p.lambdaPerMillionRequests} per million requests + $${p.lambdaArmPerGbSecond} per GB-s`],
        ['DynamoDB on-demand', `$${p.dynamoWritePerMillionWru} per million WRU, $${p.dynamoReadPerMillionRru} per million RRU; storage $${p.dynamoStoragePerGbMonth}/GB-month, PITR $${p.dynamoPitrPerGbMonth}/GB-month`],
        ['Step Functions standard', `$${p.sfnStandardPerThousandTransitions} per 1,000 state transitions`],
        ['CodeBuild Lambda compute, arm64 2 GB (the default executor)', `$${p.codeBuildLambdaArm2GbPerSecond} per second (estimate: a 2 GB arm64 Lambda function's duration price)`],
        ['CodeBuild general1.small (Linux, on-demand; `executorCompute: ec2`)', `$${p.codeBuildGeneral1SmallPerMinute} per build minute`],
        ['S3 Standard', `$${p.s3PutPerThousand} per 1,000 PUT, $${p.s3GetPerThousand} per 1,000 GET, $${p.s3StoragePerGbMonth}/GB-month`],
        ['CloudWatch Logs', `$${p.logsIngestPerGb}/GB ingested, $${p.logsStoragePerGbMonth}/GB-month stored`],
        ['X-Ray', `$${p.xrayPerMillionTraces} per million traces recorded`],
        ['KMS customer managed key', `$${p.kmsCustomerKeyPerMonth} per key-month`],
        ['Secrets Manager', `$${p.secretPerMonth} per secret-month`],
        ['CloudWatch alarms (standard resolution)', `$${p.cloudWatchAlarmMetricPerMonth} per alarm metric-month`],
        ['CloudWatch custom metrics (EMF)', `$${p.cloudWatchCustomMetricPerMonth} per metric-month, prorated by the hours a metric receives data`],
        ['CloudWatch dashboards', `$${p.cloudWatchDashboardPerMonth} per dashboard-month beyond 3`],
        ['SQS standard', `$${p.sqsPerMillionRequests} per million requests`],
      ],
    ),
    '',
    '### At idle (nothing running)',
    '',
    table(['item', 'arithmetic', 'USD / month'], c.idle.map((l) => [l.item, l.arithmetic, l.usd ? formatUsd(l.usd) : '$0 (+ usage)'])),
    '',
    `**≈ ${formatUsd(c.idleTotal)} per month** plus storage.${alarmNote(r)} Storage is cents at small scale: a finished job is one item of about ${r.ddbUnitsPerPlanApplyJob.jobItemJsonBytes} bytes of attributes, stored again in each of the 3 GSIs (projection ALL), so 1,000 jobs are a few MB of DynamoDB; logs, plans and state in S3 expire by lifecycle rule. Beyond the lines above, nothing is billed while no request comes: no provisioned capacity, no NAT gateway, no always-on compute.`,
    '',
    '### Per 1,000 “Plan and apply” jobs',
    '',
    table(['item', 'arithmetic', 'USD'], c.perThousandJobs.map((l) => [l.item, l.arithmetic, formatUsd(l.usd)])),
    '',
    `**≈ ${formatUsd(c.perThousandJobsTotal)} per 1,000 jobs**, of which CodeBuild ${formatUsd(codeBuild)} (${round((codeBuild / c.perThousandJobsTotal) * 100, 0)} %); everything else together ${formatUsd(c.perThousandJobsWithoutCodeBuild)}, led by Step Functions.`,
    '',
    'Measured inputs: DynamoDB units of one real plan+apply job (POST and the whole run) were ' +
      `${r.ddbUnitsPerPlanApplyJob.wru} WRU (${r.ddbUnitsPerPlanApplyJob.gsiWru} of them GSI writes: the job item carries three GSIs and every status change rewrites the status index keys) and ${r.ddbUnitsPerPlanApplyJob.rruRun} RRU over ${r.ddbUnitsPerPlanApplyJob.requests} requests ` +
      `(${Object.entries(r.ddbUnitsPerPlanApplyJob.byCommand).map(([k, v]) => `${k.replace(/Command$/, '')} ×${v.requests} = ${v.units} units`).join(', ')}); a GET with include=step read ${r.ddbUnitsPerPlanApplyJob.rruPerGetWithSteps} RRU. ` +
      `Invocations per job: ${c.invocationsPerJob}, with Advance and StepStarted counts read off the execution’s event log (${Object.entries(r.sfnTransitions.statesEntered).map(([s, n]) => `${s} ×${n}`).join(', ')}), ${(c.builds ?? 2) > 1 && (r.sfnTransitions.statesEntered.Execute ?? 0) < 2 ? 'plus the Advance, Route and Execute of the apply, which this stack runs as a build of its own (its steps leave no room to chain the apply to the plan’s build: see “The same reuse on AWS”)' : 'the apply chained to its plan’s build, as locally'}.`,
    '',
    'Assumptions:',
    '',
    ...c.assumptions.map((a) => `- ${a}`),
    '- CodeBuild: the step durations are this machine’s; real configurations with providers to download take longer, and the line grows with them.',
  ].join('\n');
}
