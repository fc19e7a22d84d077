/**
 * `npm run bench`: the service's performance figures against DynamoDB Local and the local engine.
 * Prints a table, writes bench/results.json and BENCHMARKS.md. Not part of `npm test`.
 *
 * Phases: DynamoDB Local's JVM warm-up (bench/warm-dynamodb.ts) → job runs (engine) → DynamoDB round trips → handler overhead → bundles and cold init →
 * HTTP job creation under load → faults (DynamoDB Local, then `npm start`, killed under a stream of
 * jobs) → stack inventory (for the cost model). BENCH_QUICK=1 shortens every
 * phase (for trying the script out; its figures are not for comparison).
 *
 * `npm run bench -- runs` (or `-- http`) measures that phase alone and refreshes its figures in
 * bench/results.json and BENCHMARKS.md, keeping the others from the last full run (the cost model too).
 * BENCH_BASELINE=1 runs jobs as before issue 16 (a process, a checkout and an init per step), to compare.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { createWorkspace, createWorld, gitRepo, postJob } from './api';
import { installCapacityMeter, removeCapacityMeter } from './capacity';
import { measureColdInit } from './cold-init';
import { measureFaultRecovery } from './faults';
import { cleanup, installSignalHandlers, interrupted, ROOT, setUpEnvironment } from './env';
import { cpuTicks, describeMachine } from './machine';
import { warmDynamoDbLocal } from './warm-dynamodb';
import { measureOverhead } from './overhead';
import { writeReport } from './report';
import { budgets, buildResults, printTable, runResults, throughputResults, type Results } from './results';
import { measureRoundTrips } from './round-trips';
import { measureClientStart, measureJobCapacity, measureJobStart, measurePlanApply, startEngine, stopEngine } from './runs';
import { stackInventory } from './stack-inventory';
import { measureThroughput } from './throughput';
import { measureDispatchFloor } from './dynamodb-floor';

const quick = process.env.BENCH_QUICK === '1';
const baseline = process.env.BENCH_BASELINE === '1';
const only = process.argv.slice(2).filter((a) => !a.startsWith('-'));
for (const phase of only) if (!['runs', 'http'].includes(phase)) throw new Error(`unknown bench phase '${phase}' (runs, http)`);
const settings = {
  /** DynamoDB Local's JVM warm-up before the first phase (bench/warm-dynamodb.ts). */
  dynamoDbWarmUpSeconds: quick ? 2 : 20,
  jobStarts: quick ? 3 : 20,
  clientStarts: quick ? 3 : 15,
  planApplies: quick ? 2 : 9,
  overheadIterations: quick ? 60 : 300,
  overheadWarmup: quick ? 10 : 50,
  coldInitRuns: quick ? 2 : 9,
  loadSeconds: quick ? 3 : 12,
  faultSoakJobs: quick ? 20 : 60,
};

const started = performance.now();
const elapsed = () => `${Math.round((performance.now() - started) / 1000)} s`;
const log = (line: string) => process.stdout.write(`${line}\n`);
/** Per phase: the 1-minute load average at its end, and how busy the CPUs were and how much time the host stole during it. */
const loadAverage: Record<string, number> = {};
const cpuDuring: Record<string, { busyPercent: number; stealPercent: number }> = {};
let lastTicks = cpuTicks();
function phaseDone(phase: string): void {
  loadAverage[phase] = Math.round(loadavg()[0] * 100) / 100;
  const now = cpuTicks();
  if (now && lastTicks && now.total > lastTicks.total) {
    const total = now.total - lastTicks.total;
    cpuDuring[phase] = {
      busyPercent: Math.round((100 * (total - (now.idle - lastTicks.idle))) / total),
      stealPercent: Math.round((1000 * (now.steal - lastTicks.steal)) / total) / 10,
    };
  }
  lastTicks = now;
}

async function main(): Promise<void> {
  installSignalHandlers();
  const machine = describeMachine();
  log(`npm run bench — ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, terraform ${machine.terraform}${quick ? ' (BENCH_QUICK)' : ''}`);
  phaseDone('start');
  const env = await setUpEnvironment();
  const world = await createWorld();
  const repo = gitRepo();
  log(`[${elapsed()}] DynamoDB Local at ${env.ddb.endpoint}, table ${env.tableName}`);
  const warm = await warmDynamoDbLocal(env.ddb.endpoint, env.tableName, settings.dynamoDbWarmUpSeconds);
  log(`[${elapsed()}] DynamoDB Local warmed up: ${warm.requests} requests in ${warm.seconds} s (its JIT; see bench/warm-dynamodb.ts)`);

  if (only.length > 0) return partial(env, world, repo);
  const { jobStart, clientStart, planApply, capacity, dispatchFloor } = await jobRuns(env.filesDir, world, repo);
  const finishedJob = String(planApply.jobIds.at(-1));

  log(`[${elapsed()}] DynamoDB round trips per operation …`);
  const roundTrips = await measureRoundTrips(world, finishedJob, repo);
  phaseDone('roundTrips');

  log(`[${elapsed()}] GET-job handler vs raw GetItem (${settings.overheadIterations} iterations after ${settings.overheadWarmup}) …`);
  const overhead = await measureOverhead(world, finishedJob, settings.overheadIterations, settings.overheadWarmup);
  phaseDone('handlerOverhead');

  log(`[${elapsed()}] bundles and cold init …`);
  const coldInit = await measureColdInit(settings.coldInitRuns, log);
  phaseDone('coldInit');

  log(`[${elapsed()}] job creation over HTTP (autocannon, 16 connections, ${settings.loadSeconds} s per run) …`);
  const throughput = await measureThroughput(env.ddb.endpoint, repo, settings.loadSeconds, log);
  phaseDone('httpLoad');

  log(`[${elapsed()}] faults: DynamoDB Local, then npm start, SIGKILLed under a stream of jobs (${settings.faultSoakJobs} jobs) …`);
  const faults = await measureFaultRecovery(repo, settings.faultSoakJobs, log);
  phaseDone('faults');

  log(`[${elapsed()}] stack inventory (CDK synth without bundling) for the cost model …`);
  const stack = stackInventory();
  phaseDone('stackInventory');

  const runSeconds = (performance.now() - started) / 1000;
  const results = buildResults({ machine, roundTrips, overhead, coldInit, jobStart, clientStart, planApply, dispatchFloor, capacity, throughput, faults, stack, runSeconds, loadAverage, cpuDuring, settings, quick });
  writeFileSync(join(ROOT, 'bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeReport(join(ROOT, 'BENCHMARKS.md'), results);
  printTable(results, log);
  log(`[${elapsed()}] wrote bench/results.json and BENCHMARKS.md`);
}

async function jobRuns(filesDir: string, world: Awaited<ReturnType<typeof createWorld>>, repo: string) {
  log(`[${elapsed()}] job runs on the local engine${baseline ? ' (BENCH_BASELINE: one process, checkout and init per step)' : ''} …`);
  const engine = await startEngine(filesDir, { baseline });
  // One run first, so that the executor's and terraform's first-run costs are not in the samples.
  await postJob(world, await createWorkspace(world, { source: repo }), { templateReference: world.templates.Plan });
  await engine.idle(120_000);
  const jobStart = await measureJobStart(engine, world, repo, settings.jobStarts, log);
  const clientStart = await measureClientStart(engine, world, repo, settings.clientStarts, log);
  const planApply = await measurePlanApply(engine, world, repo, settings.planApplies, log);
  const dispatchFloor = await measureDispatchFloor(world.org, Number(planApply.jobIds.at(-1)));
  log(`  DynamoDB floor of a job start: job write ${dispatchFloor.jobWriteMs} ms, both writes ${dispatchFloor.writesMs} ms, beside the read ${dispatchFloor.readMs} ms: ${dispatchFloor.totalMs} ms (p50)`);
  installCapacityMeter();
  const capacity = await measureJobCapacity(engine, world, repo);
  removeCapacityMeter();
  await stopEngine(engine);
  phaseDone('jobRuns');
  return { jobStart, clientStart, planApply, capacity, dispatchFloor };
}

/** Only the phases named on the command line; the other figures stay as the last full run left them. */
async function partial(env: Awaited<ReturnType<typeof setUpEnvironment>>, world: Awaited<ReturnType<typeof createWorld>>, repo: string): Promise<void> {
  const file = join(ROOT, 'bench', 'results.json');
  let results = JSON.parse(readFileSync(file, 'utf8')) as Results;
  if (only.includes('runs')) {
    const runs = runResults(await jobRuns(env.filesDir, world, repo));
    if (baseline) {
      // A comparison run: written beside the results (BENCHMARKS.md shows it), never in their place.
      const out = join(ROOT, 'bench', 'baseline.json');
      writeFileSync(out, `${JSON.stringify({ note: 'BENCH_BASELINE=1 npm run bench -- runs: the design before issue 16', machine: describeMachine(), loadAverage, cpuDuring, ...runs }, null, 2)}\n`);
      log(`[${elapsed()}] wrote bench/baseline.json`);
      return;
    }
    results = { ...results, ...runs, settings: { ...results.settings, ...settings } };
  }
  if (only.includes('http')) {
    log(`[${elapsed()}] job creation over HTTP (autocannon, 16 connections, ${settings.loadSeconds} s per run) …`);
    results = { ...results, ...throughputResults(await measureThroughput(env.ddb.endpoint, repo, settings.loadSeconds, log)) };
    phaseDone('httpLoad');
  }
  results = {
    ...results,
    budgets: budgets(results),
    loadAverage: { ...results.loadAverage, ...loadAverage },
    cpuDuring: { ...results.cpuDuring, ...cpuDuring },
    partialRun: { phases: only, date: new Date().toISOString(), commit: describeMachine().commit, seconds: Math.round((performance.now() - started) / 1000) },
  } as Results;
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  writeReport(join(ROOT, 'BENCHMARKS.md'), results);
  printTable(results, log);
  log(`[${elapsed()}] refreshed ${only.join(', ')} in bench/results.json and BENCHMARKS.md`);
}

main()
  .then(() => cleanup())
  .then(() => process.exit(0))
  .catch(async (error: Error) => {
    if (interrupted()) return; // the signal handler is cleaning up and exits with 130
    process.stderr.write(`bench failed: ${error.stack ?? error.message}\n`);
    await cleanup();
    process.exit(1);
  });
