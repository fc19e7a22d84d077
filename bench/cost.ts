/**
 * The AWS cost model: what the stack bills at idle, and per 1,000 "Plan and apply" jobs, from the
 * measured counts (invocations read off the state machine's event log, DynamoDB request units reported
 * by DynamoDB Local, transitions) and public list prices. Every line carries its arithmetic.
 */
import type { Capacity } from './capacity';
import type { StackInventory } from './stack-inventory';
import { JOB_VIA } from '../shared/domain/records';
import { METRIC } from '../shared/observability/names';
import { round } from './stats';

/** AWS public list prices, us-east-1 (USD). Free tiers are ignored throughout. */
export const PRICES = {
  basis:
    'AWS public on-demand list prices for us-east-1 as published in 2025 (DynamoDB on-demand after the 1 Nov 2024 price cut; Lambda INIT billed since 1 Aug 2025). Free tiers ignored. Check the AWS pricing pages before relying on them.',
  apiGatewayHttpPerMillion: 1.0,
  lambdaPerMillionRequests: 0.2,
  lambdaArmPerGbSecond: 0.0000133334,
  lambdaX86PerGbSecond: 0.0000166667,
  dynamoWritePerMillionWru: 0.625,
  dynamoReadPerMillionRru: 0.125,
  dynamoStoragePerGbMonth: 0.25,
  dynamoPitrPerGbMonth: 0.2,
  sfnStandardPerThousandTransitions: 0.025,
  codeBuildGeneral1SmallPerMinute: 0.005,
  /**
   * CodeBuild on Lambda compute, arm64 2 GB, per second. Taken equal to a 2 GB arm64 Lambda function's
   * duration price (2 × $0.0000133334/GB-s): an estimate, CodeBuild lists its own rate.
   */
  codeBuildLambdaArm2GbPerSecond: 0.0000266668,
  s3PutPerThousand: 0.005,
  s3GetPerThousand: 0.0004,
  s3StoragePerGbMonth: 0.023,
  logsIngestPerGb: 0.5,
  logsStoragePerGbMonth: 0.03,
  xrayPerMillionTraces: 5.0,
  kmsCustomerKeyPerMonth: 1.0,
  secretPerMonth: 0.4,
  cloudWatchAlarmMetricPerMonth: 0.1,
  cloudWatchCustomMetricPerMonth: 0.3,
  cloudWatchDashboardPerMonth: 3.0,
  sqsPerMillionRequests: 0.4,
} as const;

export interface CostInputs {
  /** API requests a client makes per job besides the POST (status polls with include=step). */
  clientGets: number;
  /** The synthesized stack: function memory and architecture, alarms, keys, secrets, event sources. */
  stack: StackInventory;
  /** States entered in one plan+apply execution (Advance, Route, Execute, Done). */
  statesEntered: Record<string, number>;
  transitions: number;
  /** DynamoDB units of POST + the whole run, and of one GET include=step. */
  capacity: { postAndRun: Capacity; getWithSteps: Capacity };
  /** Measured in process against DynamoDB Local, ms (medians). */
  ms: { authorizer: number; post: number; get: number; advance: number };
  /** DynamoDB round trips per invocation kind (measured; Advance and StepStarted derived from the run's total). */
  roundTrips: { post: number; get: number; advance: number; stepStarted: number };
  planStepS: number;
  applyStepS: number;
  /** The apply runs in its plan's build (the stack chains it: Advance's TERRAKUBE_CHAIN_WITHIN_SECONDS), else in a build of its own. */
  chained: boolean;
}

export interface CostLine {
  item: string;
  arithmetic: string;
  usd: number;
}

export interface CostModel {
  perThousandJobs: CostLine[];
  perThousandJobsTotal: number;
  perThousandJobsWithoutCodeBuild: number;
  idle: CostLine[];
  idleTotal: number;
  assumptions: string[];
  invocationsPerJob: number;
  transitions: number;
  builds: number;
}

/** Added to each local measurement per DynamoDB request, for the network hop to DynamoDB in a region. */
export const AWS_DDB_LATENCY_MS = 5;
/** Assumed CodeBuild time per build outside the step itself: queue + provisioning + install phase. */
export const CODEBUILD_OVERHEAD_S = { ec2: 45, lambda: 10 } as const;
export const executorComputeOf = (stack: StackInventory): 'lambda' | 'ec2' =>
  stack.codeBuildComputeTypes.every((t) => t.startsWith('BUILD_LAMBDA_')) ? 'lambda' : 'ec2';
const usd = (n: number) => (n >= 1 ? `$${n.toFixed(2)}` : `$${n.toFixed(4)}`);

/** Lambda long-polls an SQS event source continuously: 5 pollers × one 20 s ReceiveMessage each ≈ 15 requests a minute. */
export const SQS_POLL_REQUESTS_PER_MONTH = 5 * 3 * 60 * 24 * 30;

export function costModel(input: CostInputs): CostModel {
  const p = PRICES;
  const jobs = 1000;
  const { stack } = input;
  const memoryMb = Number(Object.entries(stack.functionMemoryMb).sort((a, b) => b[1] - a[1])[0]?.[0] ?? 1024);
  const lambdaMemoryGb = memoryMb / 1024;
  const arm = stack.architectures.length === 1 && stack.architectures[0] === 'arm64';
  const gbSecondPrice = arm ? p.lambdaArmPerGbSecond : p.lambdaX86PerGbSecond;
  const authorizerCached = (stack.authorizerCacheTtlSeconds ?? 0) > 0;
  const apiRequests = 1 + input.clientGets;
  const advances = input.statesEntered.Advance ?? 0;
  const builds = input.statesEntered.Execute ?? 0;
  const startClaimed = 1; // the stream record of the enqueue that made the job active (filter: workspace item with activeJob)
  const invocations = { authorizer: apiRequests, post: 1, get: input.clientGets, advance: advances, stepStarted: builds, startClaimed };
  const invocationsPerJob = Object.values(invocations).reduce((a, b) => a + b, 0);
  const billedMs = {
    authorizer: Math.ceil(input.ms.authorizer),
    post: Math.ceil(input.ms.post + input.roundTrips.post * AWS_DDB_LATENCY_MS),
    get: Math.ceil(input.ms.get + input.roundTrips.get * AWS_DDB_LATENCY_MS),
    // + one S3 PutObject of the step context (a local file write here), assumed 30 ms.
    advance: Math.ceil(input.ms.advance + input.roundTrips.advance * AWS_DDB_LATENCY_MS + 30),
    stepStarted: Math.ceil(input.ms.get + input.roundTrips.stepStarted * AWS_DDB_LATENCY_MS),
    startClaimed: 40, // one StartExecution call (ExecutionAlreadyExists: the API started it already)
  };
  const gbSecondsPerJob = (Object.keys(invocations) as (keyof typeof invocations)[]).reduce(
    (sum, k) => sum + invocations[k] * (billedMs[k] / 1000) * lambdaMemoryGb,
    0,
  );
  const { postAndRun, getWithSteps } = input.capacity;
  const wru = postAndRun.wru;
  const rru = postAndRun.rru + input.clientGets * getWithSteps.rru;
  const compute = executorComputeOf(stack);
  const overheadS = CODEBUILD_OVERHEAD_S[compute];
  // One build for both steps when chained: one start and install, billed once.
  const stepsS = input.planStepS + input.applyStepS;
  const buildMinutes = input.chained ? Math.ceil((stepsS + overheadS) / 60) : Math.ceil((input.planStepS + overheadS) / 60) + Math.ceil((input.applyStepS + overheadS) / 60);
  const buildSeconds = input.chained ? Math.ceil(stepsS + overheadS) : Math.ceil(input.planStepS + overheadS) + Math.ceil(input.applyStepS + overheadS);
  const buildTerms = (perMinute: boolean) => {
    const term = (what: string, seconds: number) => (perMinute ? `ceil((${what} ${round(seconds, 1)} s + ${overheadS} s)/60)` : `ceil(${what} ${round(seconds, 1)} s + ${overheadS} s)`);
    return input.chained ? term('plan and apply', stepsS) : `${term('plan', input.planStepS)} + ${term('apply', input.applyStepS)}`;
  };
  const s3Puts = 2 /* step contexts */ + 1 /* plan */ + 1 /* state */ + 2 * 2 /* logs: one periodic + final per step */;
  const s3Gets = 2 /* contexts */ + 1 /* plan for apply */ + 2 /* state */ + builds /* build source */;
  const logKb = invocationsPerJob * 0.35 + apiRequests * 0.3 /* access log line per route call */ + apiRequests * 0.35 /* API Gateway access log */ +
    35 * 0.4 /* Step Functions, level ALL, no execution data: ~35 events */ + builds * 3 /* CodeBuild phase log */;

  const perThousandJobs: CostLine[] = [
    { item: 'API Gateway HTTP API requests', arithmetic: `${apiRequests} req/job × ${jobs} = ${apiRequests * jobs} × $${p.apiGatewayHttpPerMillion}/M`, usd: (apiRequests * jobs * p.apiGatewayHttpPerMillion) / 1e6 },
    {
      item: 'Lambda requests',
      arithmetic: `${invocationsPerJob} inv/job (authorizer ${invocations.authorizer}, POST 1, GET ${invocations.get}, Advance ${advances}, StepStarted ${builds}, StartClaimed ${startClaimed}) × ${jobs} × $${p.lambdaPerMillionRequests}/M`,
      usd: (invocationsPerJob * jobs * p.lambdaPerMillionRequests) / 1e6,
    },
    {
      item: `Lambda duration (${arm ? 'arm64' : 'x86_64'}, ${memoryMb} MB)`,
      arithmetic: `${round(gbSecondsPerJob, 3)} GB-s/job (billed ms: authorizer ${billedMs.authorizer}, POST ${billedMs.post}, GET ${billedMs.get}, Advance ${billedMs.advance}, StepStarted ${billedMs.stepStarted}, StartClaimed ${billedMs.startClaimed}) × ${jobs} × $${gbSecondPrice}/GB-s`,
      usd: gbSecondsPerJob * jobs * gbSecondPrice,
    },
    {
      item: 'DynamoDB writes (on-demand)',
      arithmetic: `${wru} WRU/job (of which ${postAndRun.gsiWru} to GSIs; transactions count double) × ${jobs} × $${p.dynamoWritePerMillionWru}/M`,
      usd: (wru * jobs * p.dynamoWritePerMillionWru) / 1e6,
    },
    {
      item: 'DynamoDB reads (on-demand, strongly consistent)',
      arithmetic: `(${postAndRun.rru} run + ${input.clientGets} GET × ${getWithSteps.rru}) = ${rru} RRU/job × ${jobs} × $${p.dynamoReadPerMillionRru}/M`,
      usd: (rru * jobs * p.dynamoReadPerMillionRru) / 1e6,
    },
    {
      item: 'Step Functions standard transitions',
      arithmetic: `${input.transitions} transitions/job × ${jobs} × $${p.sfnStandardPerThousandTransitions}/1,000`,
      usd: (input.transitions * jobs * p.sfnStandardPerThousandTransitions) / 1000,
    },
    xrayLine(stack, invocations, jobs),
    {
      item: 'S3 requests (contexts, plan, state, logs, build source)',
      arithmetic: `${s3Puts} PUT × $${p.s3PutPerThousand}/1,000 + ${s3Gets} GET × $${p.s3GetPerThousand}/1,000, × ${jobs}`,
      usd: jobs * ((s3Puts * p.s3PutPerThousand) / 1000 + (s3Gets * p.s3GetPerThousand) / 1000),
    },
    { item: 'CloudWatch Logs ingestion (estimate)', arithmetic: `~${round(logKb, 0)} KB/job × ${jobs} = ${round((logKb * jobs) / 1024 / 1024, 3)} GB × $${p.logsIngestPerGb}/GB`, usd: ((logKb * jobs) / 1024 / 1024) * p.logsIngestPerGb },
  ];
  const withoutCodeBuild = perThousandJobs.reduce((s, l) => s + l.usd, 0);
  perThousandJobs.push(
    compute === 'lambda'
      ? {
          item: 'CodeBuild Lambda compute, arm64 2 GB (billed per second)',
          arithmetic: `${builds} build${builds === 1 ? '' : 's'}/job: ${buildTerms(false)} = ${buildSeconds} s × ${jobs} × $${p.codeBuildLambdaArm2GbPerSecond}/s`,
          usd: buildSeconds * jobs * p.codeBuildLambdaArm2GbPerSecond,
        }
      : {
          item: 'CodeBuild general1.small (on-demand, billed per started minute)',
          arithmetic: `${builds} build${builds === 1 ? '' : 's'}/job: ${buildTerms(true)} = ${buildMinutes} min × ${jobs} × $${p.codeBuildGeneral1SmallPerMinute}/min`,
          usd: buildMinutes * jobs * p.codeBuildGeneral1SmallPerMinute,
        },
  );

  const sqsPollUsd = (stack.eventSources.sqs * SQS_POLL_REQUESTS_PER_MONTH * p.sqsPerMillionRequests) / 1e6;
  const idle: CostLine[] = [
    { item: 'API Gateway, Lambda, Step Functions, CodeBuild, EventBridge rules, SNS', arithmetic: 'billed per request / transition / build minute only', usd: 0 },
    {
      item: `KMS customer managed keys (${stack.customerManagedKeys})`,
      arithmetic: `${stack.customerManagedKeys} × $${p.kmsCustomerKeyPerMonth}/month (with rotation on, +$1 after each of a key's first two yearly rotations)`,
      usd: stack.customerManagedKeys * p.kmsCustomerKeyPerMonth,
    },
    { item: `Secrets Manager secrets (${stack.secrets})`, arithmetic: `${stack.secrets} × $${p.secretPerMonth}/month`, usd: stack.secrets * p.secretPerMonth },
    {
      item: `CloudWatch alarms (${stack.alarms} alarms evaluating ${stack.alarmMetrics} metrics)`,
      arithmetic: `${stack.alarmMetrics} alarm metrics × $${p.cloudWatchAlarmMetricPerMonth}/month (billed per metric an alarm evaluates; the first 10 are in the free tier)`,
      usd: stack.alarmMetrics * p.cloudWatchAlarmMetricPerMonth,
    },
    stack.eventSources.sqs > 0
      ? {
          item: `SQS polled by Lambda event source mappings (${stack.eventSources.sqs})`,
          arithmetic: `${stack.eventSources.sqs} × ~${round(SQS_POLL_REQUESTS_PER_MONTH / 1e6, 2)} M empty long polls/month × $${p.sqsPerMillionRequests}/M (the first 1 M requests a month are free)`,
          usd: sqsPollUsd,
        }
      : { item: 'SQS (dead-letter queues only; nothing polls a queue)', arithmetic: `$${p.sqsPerMillionRequests}/M requests, only when a message is dead-lettered`, usd: 0 },
    customMetricsLine(),
    { item: `CloudWatch dashboards (${stack.dashboards})`, arithmetic: `$${p.cloudWatchDashboardPerMonth}/month each beyond the free tier of 3 dashboards (up to 50 metrics each)`, usd: 0 },
    { item: `DynamoDB stream read by Lambda (${stack.eventSources.dynamoDbStream})`, arithmetic: 'GetRecords calls made by Lambda triggers are free', usd: 0 },
    { item: 'DynamoDB storage + PITR', arithmetic: `$${p.dynamoStoragePerGbMonth} + $${p.dynamoPitrPerGbMonth} per GB-month; a job with its 3 GSI copies is ~4× its item`, usd: 0 },
    { item: 'S3 storage (state, plans 30 d, logs 365 d, access logs)', arithmetic: `$${p.s3StoragePerGbMonth}/GB-month`, usd: 0 },
    {
      item: `CloudWatch Logs storage (${Object.entries(stack.logRetentionDays).map(([d, n]) => `${n} groups × ${d} d`).join(', ')})`,
      arithmetic: `$${p.logsStoragePerGbMonth}/GB-month`,
      usd: 0,
    },
  ];
  return {
    perThousandJobs,
    perThousandJobsTotal: perThousandJobs.reduce((s, l) => s + l.usd, 0),
    perThousandJobsWithoutCodeBuild: withoutCodeBuild,
    idle,
    idleTotal: idle.reduce((s, l) => s + l.usd, 0),
    invocationsPerJob,
    transitions: input.transitions,
    builds,
    assumptions: [
      `A client makes the POST and ${input.clientGets} GETs (include=step) per job; every API request also invokes the authorizer (${authorizerCached ? `its results are cached ${stack.authorizerCacheTtlSeconds} s, so this is an upper bound` : 'its result cache TTL is 0 in the synthesized stack'}).`,
      `Lambda billed duration = the in-process median measured here + ${AWS_DDB_LATENCY_MS} ms per DynamoDB request (network hop in a region), rounded up to 1 ms; Advance also +30 ms for its S3 PutObject.`,
      'DynamoDB units are what DynamoDB Local reported (ReturnConsumedCapacity=INDEXES) for one real plan+apply job: 4 KB read units, 1 KB write units, transactional items ×2, GSI writes included.',
      `${compute === 'lambda' ? "CodeBuild (Lambda compute, the stack's default)" : 'CodeBuild (EC2 compute)'}: ${input.chained ? 'the plan and its apply run in one build (the stack chains them: the apply keeps its full step time in it)' : "each step is its own build (the stack does not chain a plan's apply to its build: the apply's full step time would not fit in it)"}, ${compute === 'lambda' ? `billed per second; ${overheadS} s per build assumed for start and the install phase (terraform download). The per-second rate is an estimate (see prices).` : `billed from submission to end rounded up to whole minutes; ${overheadS} s per build assumed for queue, provisioning and the install phase (terraform download).`}`,
      `Stack figures (memory, architecture, alarms, keys, secrets, event sources, tracing) are read from the template CDK synthesizes from infra/ (${stack.functions} functions).`,
      'Not counted: Lambda INIT on cold starts (billed since Aug 2025; ~0.1–0.3 GB-s each, i.e. < $0.000004 per cold start), KMS requests, storage growth (see idle).',
    ],
  };
}

/**
 * The functions' EMF metrics: CloudWatch bills a custom metric per hour in which it receives data
 * ($0.30 a metric-month, prorated hourly; the first 10 are free), so idle costs nothing. Each metric is
 * a total series plus one per `via` value.
 */
function customMetricsLine(): CostLine {
  const names = Object.keys(METRIC).length;
  const series = names * (1 + JOB_VIA.length);
  const busyHours = 176; // 8 hours × 22 working days
  const typical = 6 * 3 * PRICES.cloudWatchCustomMetricPerMonth * (busyHours / 730);
  return {
    item: `CloudWatch custom metrics (EMF: ${names} metrics, total + by via)`,
    arithmetic: `0 while idle; about $${round(typical, 2)}/month for jobs in ${busyHours} working hours through 2 vias (6 metrics × 3 series × $${PRICES.cloudWatchCustomMetricPerMonth} × ${busyHours}/730); at most ${series} series × $${PRICES.cloudWatchCustomMetricPerMonth} = $${round(series * PRICES.cloudWatchCustomMetricPerMonth, 2)}/month if every series reported every hour`,
    usd: 0,
  };
}

/**
 * X-Ray traces recorded per job: the execution's (its task functions join it), and one per invocation
 * that starts its own trace (HTTP APIs pass no trace header, so each API function and the authorizer
 * start one; so do EventBridge and stream targets). An upper bound: Lambda samples the first request
 * each second and 5% of the rest, and the first 100,000 traces a month are free.
 */
function xrayLine(stack: StackInventory, invocations: Record<string, number>, jobs: number): CostLine {
  const ownTraces = stack.tracedFunctions > 0 ? (invocations.authorizer ?? 0) + (invocations.post ?? 0) + (invocations.get ?? 0) + (invocations.stepStarted ?? 0) + (invocations.startClaimed ?? 0) : 0;
  const traces = (stack.stateMachineTracing ? 1 : 0) + ownTraces;
  if (traces === 0) return { item: 'X-Ray traces', arithmetic: 'tracing is off', usd: 0 };
  return {
    item: `X-Ray traces (state machine and ${stack.tracedFunctions} functions traced)`,
    arithmetic: `${traces} traces/job (1 execution + ${ownTraces} invocations that start their own) × ${jobs} × $${PRICES.xrayPerMillionTraces}/M, an upper bound (sampling: 1/s + 5%; 100,000 traces/month free)`,
    usd: (traces * jobs * PRICES.xrayPerMillionTraces) / 1e6,
  };
}

export { usd as formatUsd };
