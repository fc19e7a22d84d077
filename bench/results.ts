/** Turns the measurements into bench/results.json (the required keys plus details) and the budget verdicts. */
import type { DispatchFloor } from './dynamodb-floor';
import type { ColdInitResult } from './cold-init';
import { awsCost } from './aws-path';
import type { CostModel } from './cost';
import type { FaultRecovery } from './faults';
import type { Machine } from './machine';
import type { Overhead } from './overhead';
import type { RoundTrips } from './round-trips';
import type { JobCapacity, JobStartResult, PhaseSplit, PlanApplyResult } from './runs';
import { median, percentile, round } from './stats';
import type { StackInventory } from './stack-inventory';
import type { Throughput } from './throughput';

export interface Measurements {
  machine: Machine;
  roundTrips: RoundTrips;
  overhead: Overhead;
  coldInit: ColdInitResult;
  jobStart: JobStartResult;
  /** Client POST → running, read back to back (ms). */
  clientStart: number[];
  planApply: PlanApplyResult;
  /** The DynamoDB requests a job start must make, sent raw (bench/dynamodb-floor.ts). */
  dispatchFloor: DispatchFloor;
  capacity: JobCapacity;
  throughput: Throughput;
  faults: FaultRecovery;
  stack: StackInventory;
  runSeconds: number;
  /** 1-minute load average after each phase: other processes on the machine inflate wall-clock figures. */
  loadAverage: Record<string, number>;
  /** Per phase: CPU busy % (all processes, this bench included) and % stolen by the host (virtual machine). */
  cpuDuring: Record<string, { busyPercent: number; stealPercent: number }>;
  settings: Record<string, number>;
  quick: boolean;
}

export interface Budget {
  key: string;
  label: string;
  value: number;
  limit: number;
  unit: string;
  met: boolean;
  /** The value must be at least the limit (a floor), not at most. */
  atLeast?: boolean;
}

/** Per-function values keyed by handler module, rounded. */
const perFunction = (c: ColdInitResult, pick: (b: ColdInitResult['bundles'][number]) => number, digits: number) =>
  Object.fromEntries(c.bundles.map((b) => [b.entry, round(pick(b), digits)]));

/** The largest parts of one bundle, with the import chain that brings each in. */
const inputsOf = (c: ColdInitResult, entry: string) =>
  (c.bundles.find((b) => b.entry === entry)?.inputs ?? []).slice(0, 6).map((i) => ({ ...i, kb: round(i.kb, 1) }));

export function buildResults(m: Measurements) {
  const { results, cost } = baseResults(m);
  return { ...results, budgets: budgets(results), costModel: cost };
}

export type Results = ReturnType<typeof buildResults>;
type BaseResults = ReturnType<typeof baseResults>['results'];

function baseResults(m: Measurements) {
  const rt = m.roundTrips;
  const clientGets = 4;
  // The stack as synthesized decides the path costed; the other path is costed beside it (BENCHMARKS.md compares them).
  const stackChains = (m.stack.chainWithinSeconds ?? 0) > 0;
  const cost = awsCost(m, clientGets, stackChains);
  const other = awsCost(m, clientGets, !stackChains);
  const [chainedCost, unchainedCost] = stackChains ? [cost, other] : [other, cost];
  const pathOf = (c: CostModel) => ({ per1000PlanApplyJobsUsd: round(c.perThousandJobsTotal, 4), lambdaInvocationsPerJob: c.invocationsPerJob, transitions: c.transitions, builds: c.builds });
  const results = {
    ddbRoundTrips: {
      getJob: rt.getJob.total,
      getJobWithSteps: rt.getJobWithSteps.total,
      createJob: rt.createJob.total,
      patchJobStatus: rt.patchJobStatus.total,
      listJobsPage: rt.listJobsPage.total,
      createJobByCommand: rt.createJobByCommand.total,
      patchJobComments: rt.patchJobComments.total,
    },
    ddbRoundTripsByCommand: Object.fromEntries(
      (['getJob', 'getJobWithSteps', 'createJob', 'createJobByCommand', 'patchJobStatus', 'patchJobComments', 'listJobsPage'] as const).map((k) => [k, rt[k].byCommand]),
    ),
    handlerOverheadRatio: {
      getJob: round(m.overhead.ratio, 3),
      handlerMedianMs: round(m.overhead.handlerMs.median, 3),
      handlerP95Ms: round(m.overhead.handlerMs.p95, 3),
      rawGetItemMedianMs: round(m.overhead.rawGetItemMs.median, 3),
      rawGetItemP95Ms: round(m.overhead.rawGetItemMs.p95, 3),
      addedMs: round(m.overhead.addedMs, 3),
      rawBatchGetOrgAndJobMedianMs: round(m.overhead.rawBatchGetMs, 3),
      authorizerMedianMs: round(m.overhead.authorizerMs, 3),
      iterations: m.overhead.iterations,
      warmup: m.overhead.warmup,
    },
    /** The slowest init over Node's own boot on the same machine: a speed-independent reading of coldInitMs.max. */
    coldInitToNodeBootRatio: round(m.coldInit.maxInitMs / m.coldInit.nodeBootMs, 2),
    coldInitMs: { max: round(m.coldInit.maxInitMs, 1), emptyModuleImport: round(m.coldInit.emptyImportMs, 2), nodeBoot: round(m.coldInit.nodeBootMs, 1), runs: m.coldInit.runs, ...perFunction(m.coldInit, (b) => b.initMs, 1) },
    coldInitCpuMs: { max: round(m.coldInit.maxInitCpuMs, 1), ...perFunction(m.coldInit, (b) => b.initCpuMs, 1) },
    coldInitSlowest: m.coldInit.maxInitEntry,
    coldInitInputs: inputsOf(m.coldInit, m.coldInit.maxInitEntry),
    bundleKb: { max: round(m.coldInit.maxKb, 1), ...perFunction(m.coldInit, (b) => b.kb, 1) },
    bundleLargest: m.coldInit.maxKbEntry,
    bundleLargestInputs: inputsOf(m.coldInit, m.coldInit.maxKbEntry),
    ...runResults(m),
    ...throughputResults(m.throughput),
    faultRecovery: {
      dynamodbRecoveryMs: Math.round(m.faults.dynamodbRecoveryMs),
      dynamodbHealthUnavailableMs: Math.round(m.faults.dynamodbHealthUnavailableMs),
      dynamodb503s: m.faults.dynamodb503s,
      serviceRecoveryMs: Math.round(m.faults.serviceRecoveryMs),
      completedToAcknowledged: round(m.faults.completedToAcknowledged, 3),
      acknowledged: m.faults.acknowledged,
      completed: m.faults.completed,
      failed: m.faults.failed,
      lost: m.faults.lost,
      stuck: m.faults.stuck,
      unexpected: m.faults.unexpected,
    },
    ddbUnitsPerPlanApplyJob: {
      wru: m.capacity.postAndRun.wru,
      gsiWru: m.capacity.postAndRun.gsiWru,
      rruRun: m.capacity.postAndRun.rru,
      rruPerGetWithSteps: m.capacity.getWithSteps.rru,
      requests: m.capacity.postAndRun.requests,
      byCommand: m.capacity.postAndRun.byCommand,
      jobItemJsonBytes: m.capacity.jobItemBytes,
    },
    cost: {
      per1000PlanApplyJobsUsd: round(cost.perThousandJobsTotal, 4),
      per1000PlanApplyJobsWithoutCodeBuildUsd: round(cost.perThousandJobsWithoutCodeBuild, 4),
      idlePerMonthUsd: round(cost.idleTotal, 2),
      lambdaInvocationsPerJob: cost.invocationsPerJob,
      clientGetsPerJobAssumed: clientGets,
      /** The costed path is the stack's: chained when it gives the apply room in the plan's build. */
      awsPath: { stackChains, chainWithinSeconds: m.stack.chainWithinSeconds ?? 0, chained: pathOf(chainedCost), unchained: pathOf(unchainedCost) },
    },
    stack: { ...m.stack, synthMs: Math.round(m.stack.synthMs) },
    machine: m.machine,
    loadAverage: m.loadAverage,
    cpuDuring: m.cpuDuring,
    runSeconds: Math.round(m.runSeconds),
    settings: m.settings,
    quick: m.quick,
  };
  return { results, cost };
}

/** The figures of the job-runs phase (`npm run bench -- runs` refreshes only these). */
export function runResults(m: Pick<Measurements, 'jobStart' | 'clientStart' | 'planApply' | 'dispatchFloor'>) {
  return {
    /** What DynamoDB Local alone takes for the first Advance's reads and transaction: the floor under jobStartMs. */
    jobStartDynamoDbFloorMs: m.dispatchFloor,
    jobStartMs: {
      p50: Math.round(m.jobStart.p50),
      p95: Math.round(m.jobStart.p95),
      min: Math.min(...m.jobStart.answeredSamples),
      max: Math.max(...m.jobStart.answeredSamples),
      /** From the POST being sent, not answered. */
      fromPostSentP50: Math.round(median(m.jobStart.samples)),
      serverCreatedToStartedP50: Math.round(median(m.jobStart.serverSamples)),
      jobs: m.jobStart.samples.length,
      samples: m.jobStart.answeredSamples,
    },
    clientPostToRunningMs: {
      p50: Math.round(median(m.clientStart)),
      p95: Math.round(percentile(m.clientStart, 95)),
      jobs: m.clientStart.length,
      samples: m.clientStart,
    },
    planApplyE2eMs: {
      p50: Math.round(m.planApply.p50),
      min: Math.min(...m.planApply.samples),
      max: Math.max(...m.planApply.samples),
      clientObservedP50: Math.round(median(m.planApply.clientSamples)),
      planStepP50: Math.round(median(m.planApply.planStepMs)),
      applyStepP50: Math.round(median(m.planApply.applyStepMs)),
      /** End to end minus the two terraform steps: what the service itself adds. */
      orchestrationP50: Math.round(median(m.planApply.samples.map((s, i) => s - (m.planApply.planStepMs[i] ?? 0) - (m.planApply.applyStepMs[i] ?? 0)))),
      advanceTaskP50: round(median(m.planApply.advanceMs), 1),
      runs: m.planApply.samples.length,
      samples: m.planApply.samples,
    },
    /** POST → completed of the service's plan+apply job over the bare terraform sequence on the same configuration, interleaved (medians). */
    planApplyToBareTerraformRatio: round(m.planApply.p50 / median(m.planApply.bare.map((b) => b.totalMs)), 3),
    bareTerraformMs: {
      p50: Math.round(median(m.planApply.bare.map((b) => b.totalMs))),
      initP50: Math.round(median(m.planApply.bare.map((b) => b.initMs))),
      planP50: Math.round(median(m.planApply.bare.map((b) => b.planMs))),
      applyP50: Math.round(median(m.planApply.bare.map((b) => b.applyMs))),
      samples: m.planApply.bare.map((b) => Math.round(b.totalMs)),
    },
    /** Medians per phase over the plan+apply jobs (they add up to about the median job). */
    planApplyPhasesMs: phaseMedians(m.planApply.phases),
    sfnTransitions: { planApply: m.planApply.transitions.at(-1) ?? 0, allRuns: m.planApply.transitions, statesEntered: m.planApply.statesEntered },
  };
}

/** The figures of the HTTP load phase. */
export function throughputResults(t: Throughput) {
  const createJobsPerSec = t.singleOrg.perSec;
  const m = { throughput: t };
  return {
    createJobsPerSec: round(createJobsPerSec, 1),
    rawPutItemsPerSec: round(m.throughput.rawPutItemsPerSec, 1),
    createJobsToRawPutRatio: round(m.throughput.ratio, 3),
    rawCreateJobRequestsPerSec: round(m.throughput.rawCreateMixPerSec, 1),
    createJobsToRawCreateRequestsRatio: round(m.throughput.singleOrg.perSec / m.throughput.rawCreateMixPerSec, 3),
    createJobsPerSecSixteenOrgs: round(m.throughput.multiOrg.perSec, 1),
    load: { singleOrg: m.throughput.singleOrg, multiOrg: m.throughput.multiOrg, rawRuns: m.throughput.rawRuns },
  };
}

function phaseMedians(splits: PhaseSplit[]): Record<keyof PhaseSplit, number> {
  const keys = ['api', 'queue', 'orchestration', 'executor', 'checkout', 'init', 'plan', 'apply', 'state'] as const;
  return Object.fromEntries(keys.map((k) => [k, round(median(splits.map((s) => s[k])), 1)])) as Record<keyof PhaseSplit, number>;
}

export function budgets(r: Pick<BaseResults, 'ddbRoundTrips' | 'handlerOverheadRatio' | 'coldInitMs' | 'bundleKb' | 'jobStartMs' | 'planApplyE2eMs' | 'sfnTransitions'> & Partial<BaseResults>): Budget[] {
  const b = (key: string, label: string, value: number, limit: number, unit = ''): Budget => ({ key, label, value, limit, unit, met: value <= limit });
  const floor = (key: string, label: string, value: number, limit: number): Budget => ({ key, label, value, limit, unit: '×', met: value >= limit, atLeast: true });
  return [
    b('ddbRoundTrips.getJob', 'DynamoDB requests: GET job', r.ddbRoundTrips.getJob, 2),
    b('ddbRoundTrips.getJobWithSteps', 'DynamoDB requests: GET job include=step', r.ddbRoundTrips.getJobWithSteps, 2),
    b('ddbRoundTrips.createJob', 'DynamoDB requests: POST job', r.ddbRoundTrips.createJob, 4),
    b('ddbRoundTrips.patchJobStatus', 'DynamoDB requests: PATCH status=cancelled', r.ddbRoundTrips.patchJobStatus, 3),
    b('ddbRoundTrips.listJobsPage', 'DynamoDB requests: GET job list, one page', r.ddbRoundTrips.listJobsPage, 2),
    b('handlerOverheadRatio.getJob', 'GET-job handler / raw GetItem (medians)', r.handlerOverheadRatio.getJob, 1.5, '×'),
    b('coldInitMs.max', 'Slowest function module init', r.coldInitMs.max, 150, 'ms'),
    b('bundleKb.max', 'Largest function bundle', r.bundleKb.max, 1024, 'KB'),
    b('jobStartMs.p50', 'POST answered → first step running, p50', r.jobStartMs.p50, 20, 'ms'),
    ...(r.clientPostToRunningMs ? [b('clientPostToRunningMs.p50', 'Client: POST sent → job seen running, p50', r.clientPostToRunningMs.p50, 40, 'ms')] : []),
    b('planApplyE2eMs.p50', 'Plan and apply, POST → completed, p50', r.planApplyE2eMs.p50, 5000, 'ms'),
    ...(r.planApplyToBareTerraformRatio !== undefined
      ? [b('planApplyToBareTerraformRatio', 'Plan and apply job / bare terraform init+plan+apply (medians, interleaved)', r.planApplyToBareTerraformRatio, 1.5, '×')]
      : []),
    ...(r.createJobsToRawCreateRequestsRatio !== undefined
      ? [floor('createJobsToRawCreateRequestsRatio', 'Jobs created per s / raw DynamoDB requests of a creation per s', r.createJobsToRawCreateRequestsRatio, 0.8)]
      : []),
    b('sfnTransitions.planApply', 'State transitions, plan+apply', r.sfnTransitions.planApply, 25),
  ];
}

export function printTable(r: Pick<Results, 'budgets' | 'jobStartMs' | 'createJobsPerSec' | 'rawPutItemsPerSec' | 'createJobsToRawPutRatio' | 'faultRecovery' | 'cost'>, log: (s: string) => void): void {
  const rows: [string, string, string, string][] = r.budgets.map((b) => [
    b.key,
    `${b.value}${b.unit && b.unit !== '×' ? ` ${b.unit}` : ''}`,
    `${b.atLeast ? '≥' : '≤'} ${b.limit}${b.unit && b.unit !== '×' ? ` ${b.unit}` : ''}`,
    b.met ? 'met' : 'MISSED',
  ]);
  rows.push(['jobStartMs.p95', `${r.jobStartMs.p95} ms`, '', '']);
  rows.push(['createJobsPerSec', `${r.createJobsPerSec} /s`, '', '']);
  rows.push(['rawPutItemsPerSec', `${r.rawPutItemsPerSec} /s`, '', '']);
  rows.push(['createJobsToRawPutRatio', `${r.createJobsToRawPutRatio}`, '', '']);
  rows.push(['faultRecovery.dynamodbRecoveryMs', `${r.faultRecovery.dynamodbRecoveryMs} ms`, '', '']);
  rows.push(['faultRecovery.completedToAcknowledged', `${r.faultRecovery.completed} / ${r.faultRecovery.acknowledged} = ${r.faultRecovery.completedToAcknowledged}`, '', '']);
  rows.push(['cost per 1,000 plan+apply jobs', `$${r.cost.per1000PlanApplyJobsUsd.toFixed(2)}${r.cost.awsPath ? ` (chained: $${r.cost.awsPath.chained.per1000PlanApplyJobsUsd.toFixed(2)})` : ''}`, '', '']);
  rows.push(['idle cost per month', `$${r.cost.idlePerMonthUsd.toFixed(2)}`, '', '']);
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((row) => row[i]?.length ?? 0), ['metric', 'value', 'budget', 'status'][i]?.length ?? 0));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  log('');
  log(line(['metric', 'value', 'budget', 'status']));
  log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of rows) log(line(row));
  log('');
}
