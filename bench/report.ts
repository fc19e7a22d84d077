/** Writes BENCHMARKS.md from the results: where we stand, machine, method, details; notes in report-notes.ts. */
import { writeFileSync } from 'node:fs';
import { table } from './markdown';
import { comparisonSection, costSection, missesSection } from './report-notes';
import { speedSection } from './report-speed';
import type { Results } from './results';
import { round } from './stats';


const fmt = (value: number, unit: string) => (unit === '×' ? `${value}×` : unit ? `${value} ${unit}` : String(value));
const cpuMs = (ms: number | undefined) => (ms === undefined ? '?' : String(round(ms, 1)));
const seconds = (ms: number) => `${round(ms / 1000, 2)} s`;

/** met / met but close to the limit / missed by how much. */
function status(b: Results['budgets'][number]): string {
  if (!b.met) return `**missed** (${b.atLeast ? '−' : '+'}${fmt(round(Math.abs(b.value - b.limit), 3), b.unit === '×' ? '' : b.unit)})`;
  if (b.atLeast) return b.value === b.limit ? 'met (at the limit)' : 'met';
  if (b.value === b.limit) return 'met (at the limit)';
  const share = b.value / b.limit;
  return share > 0.85 ? `met, close (${round(share * 100, 0)} % of the budget)` : 'met';
}

function standing(r: Results): string {
  const met = r.budgets.filter((b) => b.met).length;
  return [
    `**${met} of ${r.budgets.length} budgets met.**${met < r.budgets.length ? ' Misses are analysed in [Misses and their causes](#misses-and-their-causes).' : ''}`,
    '',
    table(
      ['key', 'what', 'measured', 'budget', 'status'],
      r.budgets.map((b) => [`\`${b.key}\``, b.label, fmt(b.value, b.unit), `${b.atLeast ? '≥' : '≤'} ${fmt(b.limit, b.unit)}`, status(b)]),
    ),
    '',
    'Further figures (no budget):',
    '',
    table(
      ['key', 'measured'],
      [
        ['`jobStartMs.p95`', `${r.jobStartMs.p95} ms`],
        ['`createJobsPerSec`', `${r.createJobsPerSec} jobs/s (16 connections, 1 organization, 16 workspaces)`],
        ['`rawPutItemsPerSec`', `${r.rawPutItemsPerSec} PutItem/s (16 concurrent, same DynamoDB Local)`],
        ['`createJobsToRawPutRatio`', `${r.createJobsToRawPutRatio}`],
        ['`rawCreateJobRequestsPerSec`', `${r.rawCreateJobRequestsPerSec}/s: the DynamoDB requests of one job creation sent raw, 16 concurrent (ratio ${r.createJobsToRawCreateRequestsRatio})`],
        ['`coldInitToNodeBootRatio`', `${r.coldInitToNodeBootRatio}: the slowest init over Node's own boot (${r.coldInitMs.nodeBoot} ms) on the same machine: it moves less with the machine's speed than the milliseconds do`],
        ['`createJobsPerSecSixteenOrgs`', `${r.createJobsPerSecSixteenOrgs} jobs/s (16 organizations × 1 workspace)`],
        [
          '`faultRecovery.dynamodbRecoveryMs`',
          `${r.faultRecovery.dynamodbRecoveryMs} ms from DynamoDB Local's SIGKILL to the next job accepted (${r.faultRecovery.dynamodb503s} × 503 meanwhile, /healthz 503 for ${r.faultRecovery.dynamodbHealthUnavailableMs} ms); after \`npm start\` itself was SIGKILLed and started again: ${r.faultRecovery.serviceRecoveryMs} ms`,
        ],
        [
          '`faultRecovery.completedToAcknowledged`',
          `${r.faultRecovery.completedToAcknowledged}: ${r.faultRecovery.completed} of ${r.faultRecovery.acknowledged} acknowledged jobs completed under both faults (${r.faultRecovery.failed} failed with their reason, ${r.faultRecovery.lost} lost, ${r.faultRecovery.stuck} stuck, ${r.faultRecovery.unexpected} unexpected answers)`,
        ],
        ['cost per 1,000 plan+apply jobs', `$${r.cost.per1000PlanApplyJobsUsd.toFixed(2)} ($${r.cost.per1000PlanApplyJobsWithoutCodeBuildUsd.toFixed(2)} without CodeBuild)${otherPath(r)}`],
        ['idle cost', `$${r.cost.idlePerMonthUsd.toFixed(2)} per month`],
      ],
    ),
  ].join('\n');
}

function machine(r: Results): string {
  const m = r.machine;
  return [
    table(
      ['', ''],
      [
        ['CPU', `${m.cpuModel}, ${m.cores} cores`],
        ['memory', `${m.memoryGiB} GiB (${m.freeMemoryGiB} GiB free at start)`],
        ['OS', m.os],
        ['Node.js', m.node],
        ['terraform', m.terraform],
        ['Java (DynamoDB Local)', `${m.java}; ${m.dynamoDbLocal}`],
        ['load average (1 min) at start and after each phase', Object.entries(r.loadAverage).map(([k, v]) => `${k} ${v}`).join(', ')],
        ['CPU busy / stolen by the host during each phase', Object.entries(r.cpuDuring).map(([k, v]) => `${k} ${v.busyPercent} % / ${v.stealPercent} %`).join(', ')],
        ['commit', `${m.commit}${m.uncommittedFiles ? ` with ${m.uncommittedFiles} uncommitted changed files (the bench measures the working tree as it is)` : ''}`],
        ['run', `${m.date}, ${r.runSeconds} s in total${r.quick ? ' (BENCH_QUICK: shortened phases, not for comparison)' : ''}`],
      ],
    ),
    '',
    'Lambda runs the same bundles on Node.js 22, arm64, 1024 MB (about 0.6 vCPU): absolute times there differ from',
    'this machine; the ratios and counts below are what carries over.',
  ].join('\n');
}

function method(r: Results): string {
  const s = r.settings;
  return [
    'Everything runs on this machine: DynamoDB Local (in memory) started by the bench, the table from `shared/store/ensure-table.ts`,',
    'the handler modules of `functions/`, the local engine running the state machine definition that CDK synthesizes',
    '(`infra/state-machine.ts`) with aws-local-stepfunctions, and the executor as a child process running real git and',
    'terraform on a `terraform_data` config (no provider download). The caller is a non-admin member of a team with',
    '`manageJob`, so authorization reads are the ordinary ones.',
    '',
    `- **DynamoDB round trips** (\`ddbRoundTrips.*\`): each operation through \`dispatch()\` (route → authorizer → handler), called once to warm, then once more counted by the service's own SDK middleware (\`roundTrips\` in \`shared/store/client.ts\`). \`getJobWithSteps\` reads a finished plan+apply job (two steps). The cancel and create counts run with a no-op job runner: in AWS, starting or stopping a run is a Step Functions call, not a DynamoDB request, and the local engine would otherwise run Advance in the same process during the count.`,
    `- **Handler overhead** (\`handlerOverheadRatio.getJob\`): \`functions/jobs/get.ts\` invoked directly with an API Gateway v2 event whose \`requestContext.authorizer.lambda\` is what \`functions/authorizer.ts\` returned for the caller's token, against one raw strongly consistent \`GetItem\` of the same job item (document client). ${s.overheadIterations} iterations after ${s.overheadWarmup} warm-up, the two alternating call by call with the order flipped each iteration; ratio of the medians.`,
    `- **Cold init and bundle size** (\`coldInitMs\`, \`bundleKb\`): every handler under \`functions/\` (all routes, authorizer, fallback, runner tasks and event handlers) built with esbuild and \`ESBUILD_OPTIONS\` from \`infra/bundling.ts\` (the options CDK uses: minified ESM, AWS SDK bundled) into \`bench/.work/bundles/\`. Each bundle is imported by a fresh \`node\` process that records \`performance.now()\` around \`await import(bundle)\`, ${s.coldInitRuns} runs per bundle in interleaved rounds; the median minus the median of the same loader importing an empty module (${r.coldInitMs.emptyModuleImport} ms) is the function's init. Node's own boot (${r.coldInitMs.nodeBoot} ms here) is not included, nor is the first request's SDK client setup. Alongside, the CPU time of the same import (user + system of the importing process, minus the empty module's): it grows much less than wall time when other processes hold the cores (only host-level contention, visible as steal, slows both), so a wall figure far above it means the machine was busy, not that the code got slower.`,
    `- **DynamoDB Local warmed up first**: before the first phase the bench sends DynamoDB Local 20 s of the request kinds the service sends, on a partition of their own (\`bench/warm-dynamodb.ts\`): its JVM answers a transaction two to three times slower until its JIT compiler has seen a few thousand of them, which AWS's DynamoDB never does, and the DynamoDB floor beside the job start is measured warm, after the job runs.`,
    `- **Job start** (\`jobStartMs\`): ${r.jobStartMs.jobs} "Plan" jobs, each in a new workspace whose source is a local git repository, posted one at a time (each runs to completion before the next is posted, so each start is measured on an otherwise idle machine). The figure is the moment the engine handed the first step to an executor process (its own step record; CodeBuild's IN_PROGRESS in AWS) minus the moment the POST's answer arrived. The client and the server are the same process, so they share one clock; this avoids adding a polling interval to the number. From the POST being sent: p50 ${r.jobStartMs.fromPostSentP50} ms; server-only (\`createdDate\` → \`startedDate\`): p50 ${r.jobStartMs.serverCreatedToStartedP50} ms.`,
    `- **Client POST → running** (\`clientPostToRunningMs\`): ${r.clientPostToRunningMs.jobs} more "Plan" jobs; the client sends the POST, then reads the job (include=step) every 5 ms until it is no longer pending or queued, and takes the time when that answer arrives — what a client polling the API sees, its polling included.`,
    `- **Floor** (\`planApplyToBareTerraformRatio\`, \`bareTerraformMs\`): before each plan+apply job, the same configuration is copied into a fresh directory and \`terraform init\`, \`plan -out\`, \`apply\` of that plan run by hand (\`bench/bare-terraform.ts\`, the executor's environment for terraform); the ratio is the jobs' median POST → completed over the median of these runs.`,
    `- **Plan and apply** (\`planApplyE2eMs\`, \`sfnTransitions.planApply\`): ${r.planApplyE2eMs.runs} "Plan and apply" jobs, each in a fresh workspace (empty state, so the plan has changes and the apply runs), from just before the POST to the job's final \`updatedDate\` (written when it became \`completed\`), same clock. Transitions are the \`StateEntered\` events of the execution (\`engine.transitions\`).`,
    `- **Job creation under load** (\`createJobsPerSec\`): \`local/main.ts\` (what \`npm start\` runs) in a child process with \`TERRAKUBE_DYNAMODB_ENDPOINT\` pointing at the bench's DynamoDB Local and a table of its own; autocannon in the bench process, 16 connections, ${s.loadSeconds} s, each request a valid POST of a "Plan" job, round-robin over 16 **locked** workspaces of one organization. Locked workspaces queue the job but start no run, so the figure is job creation (authorizer, reads, id, job put, enqueue) and not terraform processes competing for the 2 cores; a customScripts flow would start an executor process per job and measure the engine instead. A second run spreads the load over 16 organizations. \`rawPutItemsPerSec\`: PutItem of job-shaped items (same size and index attributes) at 16 concurrency against the same DynamoDB Local, and the same for the request mix of one job creation; each is the mean of a ${s.loadSeconds / 2} s run before and one after the HTTP runs (the server idle meanwhile), so drift in the machine's load and DynamoDB Local's JIT warm-up hits both sides of the ratio.`,
    `- **Faults** (\`faultRecovery\`): the fault soak of \`npm test\` (\`test/helpers/fault-soak.ts\`) with its own schedule: \`npm start\` on its own data directory, job creations over HTTP every 120 ms (at most 4 in flight) across 3 workspaces, each job one short script step; DynamoDB Local SIGKILLed (the supervisor restarts it on the same data), then \`npm start\` SIGKILLed and started again; the stream goes on until ${s.faultSoakJobs} jobs were acknowledged, then every job is read back once all ended. Recovery is from the kill to the answer of the first creation sent after it that got a 201.`,
    '- **Noise:** counts (round trips, transitions, request units, bundle sizes) are exact and repeat run after run. Wall-clock figures depend on what else the 2 cores (and, on a virtual machine, the host) are doing: the load averages and CPU steal in [Machine](#machine) and the CPU-time column of the cold-init table tell a busy machine from slower code. Compare runs by their ratios first.',
    `- **DynamoDB units** for the cost model: one more plan+apply job with \`ReturnConsumedCapacity=INDEXES\` added to every request by a middleware, summing what DynamoDB Local reports.`,
  ].join('\n');
}

function details(r: Results): string {
  const rt = r.ddbRoundTripsByCommand;
  const ops = Object.keys(rt) as (keyof typeof rt)[];
  const bundles = Object.entries(r.bundleKb).filter(([k]) => k.startsWith('functions/'));
  const init = r.coldInitMs as unknown as Record<string, number>;
  const cpu = r.coldInitCpuMs as unknown as Record<string, number>;
  const slowest = r.coldInitInputs;
  return [
    '### DynamoDB requests per operation',
    '',
    table(['operation', 'requests', 'by command'], ops.map((op) => [op, Object.values(rt[op]).reduce((a, b) => a + b, 0), Object.entries(rt[op]).map(([c, n]) => `${c.replace(/Command$/, '')} ×${n}`).join(', ')])),
    '',
    '### GET-job handler against a raw GetItem',
    '',
    table(
      ['', 'median', 'p95'],
      [
        ['GET-job handler (`functions/jobs/get.ts`)', `${r.handlerOverheadRatio.handlerMedianMs} ms`, `${r.handlerOverheadRatio.handlerP95Ms} ms`],
        ['raw `GetItem` of the job item', `${r.handlerOverheadRatio.rawGetItemMedianMs} ms`, `${r.handlerOverheadRatio.rawGetItemP95Ms} ms`],
        ['authorizer alone (PAT verification)', `${r.handlerOverheadRatio.authorizerMedianMs} ms`, ''],
      ],
    ),
    '',
    `Ratio ${r.handlerOverheadRatio.getJob}: the handler adds ${r.handlerOverheadRatio.addedMs} ms to the DynamoDB request at the median.`,
    '',
    '### Bundles and module init, per function',
    '',
    table(
      ['function', 'bundle KB', 'init ms, wall (median − empty)', 'init ms, CPU time'],
      bundles.sort((a, b) => b[1] - a[1]).map(([entry, kb]) => [`\`${entry}\``, kb, init[entry] ?? '', cpu[entry] ?? '']),
    ),
    '',
    `Largest: \`${r.bundleLargest}\`; slowest to initialise: \`${r.coldInitSlowest}\`. What the slowest bundle is made of (KB in the minified output): ${slowest.map((i) => `${i.name} ${i.kb}`).join(', ')}.`,
    '',
    '### Job start',
    '',
    `POST → first step running, ms, in run order: ${r.jobStartMs.samples.join(', ')} (p50 ${r.jobStartMs.p50}, p95 ${r.jobStartMs.p95}).`,
    '',
    '### Plan and apply',
    '',
    table(
      ['', 'p50'],
      [
        ['POST → completed (server timestamp)', seconds(r.planApplyE2eMs.p50)],
        ['POST → execution finished (client, engine idle)', seconds(r.planApplyE2eMs.clientObservedP50)],
        ['Plan step (startedDate → finishedDate)', seconds(r.planApplyE2eMs.planStepP50)],
        ['Apply step', seconds(r.planApplyE2eMs.applyStepP50)],
        ['the service itself (end to end − both steps)', `${r.planApplyE2eMs.orchestrationP50} ms`],
        ['one Advance task', `${r.planApplyE2eMs.advanceTaskP50} ms`],
      ],
    ),
    '',
    `Runs, ms: ${r.planApplyE2eMs.samples.join(', ')}. States entered per execution: ${Object.entries(r.sfnTransitions.statesEntered).map(([s, n]) => `${s} ×${n}`).join(', ')} = ${r.sfnTransitions.planApply} transitions (every run: ${r.sfnTransitions.allRuns.join(', ')}).`,
    '',
    '### Job creation under load',
    '',
    table(
      ['run', 'jobs/s', '201s', 'non-2xx / errors', 'latency p50 / p97.5 / p99 ms', 'jobs stored / ids allocated', 'CPU ms per job: server / DynamoDB Local / load generator'],
      [r.load.singleOrg, r.load.multiOrg].map((l) => [
        l.label,
        round(l.perSec, 1),
        l.created,
        `${l.non2xx} / ${l.errors}`,
        `${l.latencyMs.p50} / ${l.latencyMs.p97_5} / ${l.latencyMs.p99}`,
        `${l.stored} / ${l.idsAllocated}${l.idsContiguous ? ' (no gaps)' : ' (**gaps**)'}`,
        [l.cpuMsPerJob.server, l.cpuMsPerJob.dynamoDbLocal, l.cpuMsPerJob.loadGenerator].map((v) => (v === undefined ? '?' : round(v, 1))).join(' / '),
      ]),
    ),
    '',
    `Raw PutItem at the same concurrency: ${r.rawPutItemsPerSec}/s, so one job creation over HTTP costs about ${round(1 / r.createJobsToRawPutRatio, 1)} raw PutItems' worth (ratio ${r.createJobsToRawPutRatio}). ` +
      `The same DynamoDB requests a creation makes (BatchGetItem of 3 items, UpdateItem, TransactWriteItems of 2 items), sent raw at the same concurrency, reach ${r.rawCreateJobRequestsPerSec}/s: ` +
      `the API over HTTP reaches ${round(r.createJobsToRawCreateRequestsRatio * 100, 0)} % of that, the rest of the gap to a single PutItem is DynamoDB Local's cost for a transaction and three index updates. ` +
      `On 2 cores the load generator, the server and DynamoDB Local share the CPU (the last column: CPU time each process spent per job), so absolute rates are far below AWS's, where each function has its own CPU and DynamoDB scales out; the ratios are the comparable figures. ` +
      `One organization is slower than sixteen, and both processes spend more CPU per job on it (server ${cpuMs(r.load.singleOrg.cpuMsPerJob.server)} vs ${cpuMs(r.load.multiOrg.cpuMsPerJob.server)} ms, DynamoDB Local ${cpuMs(r.load.singleOrg.cpuMsPerJob.dynamoDbLocal)} vs ${cpuMs(r.load.multiOrg.cpuMsPerJob.dynamoDbLocal)} ms): ` +
      `one organization's creations share one partition key and one id counter item (\`ORG#<org>\`, shared/store/keys.ts). In DynamoDB a single item takes at most 1,000 writes per second, which bounds job creation per organization well above what a Terrakube organization needs.`,
  ].join('\n');
}

/** The AWS path the stack does not take, costed beside it (results of runs before the chain was built have none). */
function otherPath(r: Results): string {
  const path = r.cost.awsPath;
  if (!path) return '';
  const other = path.stackChains ? path.unchained : path.chained;
  return `; ${path.stackChains ? 'one build per step' : 'with the apply in its plan’s build (steps ≤ 780 s on Lambda compute)'}: $${other.per1000PlanApplyJobsUsd.toFixed(2)}`;
}

export function writeReport(file: string, r: Results): void {
  const text = [
    '# Benchmarks',
    '',
    `Generated by \`npm run bench\` (\`bench/run.ts\`); raw figures in \`bench/results.json\`. Re-run to refresh. Not part of \`npm test\`.`,
    '',
    '## Where we stand',
    '',
    standing(r),
    '',
    '## Speed to the floor: where a plan+apply job’s time goes',
    '',
    speedSection(r),
    '',
    '## Machine',
    '',
    machine(r),
    '',
    '## Method',
    '',
    method(r),
    '',
    '## Details',
    '',
    details(r),
    '',
    '## Misses and their causes',
    '',
    missesSection(r),
    '',
    '## Comparison with Terrakube, HCP Terraform and OTF',
    '',
    comparisonSection(r),
    '',
    '## Cost model (AWS)',
    '',
    costSection(r),
    '',
  ].join('\n');
  writeFileSync(file, text);
}
