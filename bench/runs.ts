/**
 * Job runs on the local engine (the synthesized state machine in aws-local-stepfunctions, the real
 * executor as a child process, real git and terraform): time to first step running, plan+apply end to
 * end, state transitions, and the DynamoDB units one plan+apply job consumes.
 *
 * Timing: the client clock (Date.now() just before the POST is dispatched) against the server's own
 * timestamps (the first step's `startedDate`, the job's final `updatedDate`). Both run in this process,
 * so they are one clock; unlike polling, this has no polling interval in the number.
 */
import { LocalEngine, type EngineEvent } from '../local/engine';
import { executionName } from '../shared/runs/run-state';
import { useRunControl } from '../shared/wiring';
import { call, createWorkspace, expectStatus, postJob, type World } from './api';
import { measureCapacity, type Capacity } from './capacity';
import { forget, noRuns, onCleanup } from './env';
import { median, percentile } from './stats';
import { bareTerraform, type BareRun } from './bare-terraform';

export interface StepTiming {
  name: string;
  status: string;
  startedDate: string | null;
  finishedDate: string | null;
}

interface FinishedJob {
  id: string;
  status: string;
  createdDate: string;
  updatedDate: string;
  steps: StepTiming[];
}

export async function startEngine(filesDir: string, options: { baseline?: boolean } = {}): Promise<LocalEngine> {
  const engine = await LocalEngine.create({
    filesDir,
    timeouts: { stepSeconds: 300, approvalSeconds: 600 },
    killGraceMs: 2000,
    // BENCH_BASELINE=1: the design before issue 16 (a new executor process per step, each step checking out and initialising again).
    ...(options.baseline ? { executorReuse: false } : {}),
  });
  useRunControl(engine);
  onCleanup('local engine', () => engine.shutdown());
  return engine;
}

export async function stopEngine(engine: LocalEngine): Promise<void> {
  await engine.idle(60_000);
  await engine.shutdown();
  forget('local engine');
  useRunControl(noRuns);
}

async function readJob(world: World, id: string): Promise<FinishedJob> {
  const res = expectStatus(await call('GET', `/api/v1/organization/${world.org}/job/${id}?include=step`, world.operator), 200, 'read job');
  const steps = ((res.body.included ?? []) as { attributes: Record<string, any> }[])
    .map((s) => s.attributes)
    .sort((a, b) => a.stepNumber - b.stepNumber)
    .map((a) => ({ name: a.name, status: a.status, startedDate: a.startedDate, finishedDate: a.finishedDate }));
  const a = res.body.data.attributes;
  return { id, status: a.status, createdDate: a.createdDate, updatedDate: a.updatedDate, steps };
}

/** Posts one job and waits (on the engine, no polling) until its run ended. */
async function runOne(
  engine: LocalEngine,
  world: World,
  workspaceId: string,
  template: string,
): Promise<{ job: FinishedJob; postedAt: number; answeredAt: number; idleAt: number }> {
  const postedAt = Date.now();
  const id = await postJob(world, workspaceId, { templateReference: template });
  const answeredAt = Date.now();
  await engine.idle(120_000);
  const idleAt = Date.now();
  const job = await readJob(world, id);
  if (job.status !== 'completed') throw new Error(`job ${id} ended ${job.status}, not completed`);
  return { job, postedAt, answeredAt, idleAt };
}

const stepMs = (s: StepTiming) => (s.startedDate && s.finishedDate ? Date.parse(s.finishedDate) - Date.parse(s.startedDate) : Number.NaN);

export interface JobStartResult {
  /** POST sent (client clock) → first step running (the step's startedDate). */
  samples: number[];
  /** POST answered → first step running: what the service adds after answering (issue 16's jobStartMs). */
  answeredSamples: number[];
  serverSamples: number[];
  planStepMs: number[];
  p50: number;
  p95: number;
}

/**
 * `count` "Plan" jobs, each in a new workspace, one after the other (each runs to completion before the
 * next is posted, so every start is measured on an otherwise idle machine, as a user's single job is).
 */
export async function measureJobStart(engine: LocalEngine, world: World, repo: string, count: number, log: (s: string) => void): Promise<JobStartResult> {
  const samples: number[] = [];
  const answeredSamples: number[] = [];
  const serverSamples: number[] = [];
  const planStepMs: number[] = [];
  for (let i = 0; i < count; i++) {
    const ws = await createWorkspace(world, { source: repo });
    const { job, postedAt, answeredAt } = await runOne(engine, world, ws, world.templates.Plan as string);
    const first = job.steps[0];
    // The moment the engine handed the first step to an executor process (the step's startedDate may be the dispatch's, just before).
    const handedAt = engine.finishedSteps.get(executionName({ organizationId: world.org, jobId: Number(job.id) }))?.[0]?.handedAt;
    if (!first?.startedDate || handedAt === undefined) throw new Error(`job ${job.id}: its first step was not handed to an executor`);
    samples.push(handedAt - postedAt);
    answeredSamples.push(handedAt - answeredAt);
    serverSamples.push(handedAt - Date.parse(job.createdDate));
    planStepMs.push(stepMs(first));
    log(`  job start ${i + 1}/${count}: ${answeredSamples.at(-1)} ms after the POST was answered (${samples.at(-1)} ms after it was sent)`);
  }
  return { samples, answeredSamples, serverSamples, planStepMs, p50: percentile(answeredSamples, 50), p95: percentile(answeredSamples, 95) };
}

/**
 * POST → running as a client sees it: the client sends the POST and then reads the job (include=step)
 * every 5 ms until it shows running; the time is taken when that answer arrives. (Reads back to back,
 * in this process, would take the event loop and DynamoDB Local from the run they are waiting for.)
 */
export async function measureClientStart(engine: LocalEngine, world: World, repo: string, count: number, log: (s: string) => void): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const ws = await createWorkspace(world, { source: repo });
    const postedAt = Date.now();
    const id = await postJob(world, ws, { templateReference: world.templates.Plan });
    for (let reads = 0; ; reads++) {
      const job = await readJob(world, id);
      if (job.status !== 'pending' && job.status !== 'queue') {
        samples.push(Date.now() - postedAt);
        break;
      }
      if (reads > 20_000) throw new Error(`job ${id} never ran`);
      await new Promise((r) => setTimeout(r, 5));
    }
    await engine.idle(120_000);
    log(`  client POST → running ${i + 1}/${count}: ${samples.at(-1)} ms`);
  }
  return samples;
}

export interface PlanApplyResult {
  jobIds: string[];
  samples: number[];
  /** POST to the moment the engine reported the execution finished (client side). */
  clientSamples: number[];
  planStepMs: number[];
  applyStepMs: number[];
  transitions: number[];
  /** State name → times entered, for the last run (all runs have the same path). */
  statesEntered: Record<string, number>;
  /** Duration of each Advance task (StateEntered → StateExited), ms. */
  advanceMs: number[];
  p50: number;
  /** Per job: where its POST → completed went (ms); the phases add up to the job's sample. */
  phases: PhaseSplit[];
  /** The bare terraform sequence, run before each job (interleaved: both see the same machine). */
  bare: BareRun[];
}

/** Where one plan+apply job's time went, POST sent → completed (ms). */
export interface PhaseSplit {
  /** POST sent → answered. */
  api: number;
  /** POST answered → the run's first task entered (the state machine starting). */
  queue: number;
  /** The run's tasks and transitions between steps (Advance, recording step starts and results). */
  orchestration: number;
  /** The executor around terraform: handing the step over, reading its context, the log, saving the plan. */
  executor: number;
  checkout: number;
  init: number;
  plan: number;
  apply: number;
  /** Saving the new state version after the apply. */
  state: number;
}

function phaseSplit(engine: LocalEngine, run: { organizationId: string; jobId: number }, postedAt: number, answeredAt: number, completedAt: number): PhaseSplit {
  const name = executionName(run);
  const events = engine.finished.get(name) ?? [];
  const firstTask = events.find((e) => e.type === 'StateEntered')?.timestamp ?? answeredAt;
  const split: PhaseSplit = { api: answeredAt - postedAt, queue: Math.max(0, firstTask - answeredAt), orchestration: 0, executor: 0, checkout: 0, init: 0, plan: 0, apply: 0, state: 0 };
  let inSteps = 0;
  for (const step of engine.finishedSteps.get(name) ?? []) {
    const wall = step.endedAt - step.handedAt;
    inSteps += wall;
    const phases = step.result?.phases ?? {};
    let named = 0;
    for (const key of ['checkout', 'init', 'plan', 'apply', 'state'] as const) {
      split[key] += phases[key] ?? 0;
      named += phases[key] ?? 0;
    }
    split.executor += wall - named;
  }
  split.orchestration = completedAt - postedAt - split.api - split.queue - inSteps;
  return split;
}

function statesOf(events: EngineEvent[]): { entered: Record<string, number>; advanceMs: number[] } {
  const entered: Record<string, number> = {};
  const advanceMs: number[] = [];
  let advanceStart: number | undefined;
  for (const e of events) {
    const state = (e as { state?: { name?: string } }).state?.name;
    if (!state) continue;
    if (e.type === 'StateEntered') {
      entered[state] = (entered[state] ?? 0) + 1;
      if (state === 'Advance') advanceStart = e.timestamp;
    }
    if (e.type === 'StateExited' && state === 'Advance' && advanceStart !== undefined) advanceMs.push(e.timestamp - advanceStart);
  }
  return { entered, advanceMs };
}

/** `count` "Plan and apply" jobs, each in a fresh workspace (empty state: the plan always has changes). */
export async function measurePlanApply(engine: LocalEngine, world: World, repo: string, count: number, log: (s: string) => void): Promise<PlanApplyResult> {
  const out: PlanApplyResult = { jobIds: [], samples: [], clientSamples: [], planStepMs: [], applyStepMs: [], transitions: [], statesEntered: {}, advanceMs: [], p50: 0, phases: [], bare: [] };
  for (let i = 0; i < count; i++) {
    out.bare.push(await bareTerraform(repo));
    const ws = await createWorkspace(world, { source: repo });
    const { job, postedAt, answeredAt, idleAt } = await runOne(engine, world, ws, world.templates['Plan and apply'] as string);
    if (job.steps.length !== 2 || job.steps.some((s) => s.status !== 'completed')) throw new Error(`job ${job.id}: steps ${JSON.stringify(job.steps)}`);
    out.jobIds.push(job.id);
    out.samples.push(Date.parse(job.updatedDate) - postedAt);
    out.clientSamples.push(idleAt - postedAt);
    out.planStepMs.push(stepMs(job.steps[0] as StepTiming));
    out.applyStepMs.push(stepMs(job.steps[1] as StepTiming));
    const run = { organizationId: world.org, jobId: Number(job.id) };
    out.phases.push(phaseSplit(engine, run, postedAt, answeredAt, Date.parse(job.updatedDate)));
    const transitions = engine.transitions(run);
    if (transitions === undefined) throw new Error(`no event log for job ${job.id}`);
    out.transitions.push(transitions);
    const states = statesOf(engine.finished.get(executionName(run)) ?? []);
    out.statesEntered = states.entered;
    out.advanceMs.push(...states.advanceMs);
    log(`  plan+apply ${i + 1}/${count}: ${out.samples.at(-1)} ms (bare terraform ${Math.round(out.bare.at(-1)!.totalMs)} ms), ${transitions} transitions`);
  }
  out.p50 = median(out.samples);
  return out;
}

export interface JobCapacity {
  /** POST plus the whole run (Advance ×3, step started ×2, the final write). */
  postAndRun: Capacity;
  /** One GET of the finished job with include=step. */
  getWithSteps: Capacity;
  /** One GET of a step's log (the job read; the log itself is S3 in AWS). */
  getStepLog: Capacity;
  jobItemBytes: number;
}

/** One more plan+apply job with the capacity meter on (kept out of the timed runs). */
export async function measureJobCapacity(engine: LocalEngine, world: World, repo: string): Promise<JobCapacity> {
  const ws = await createWorkspace(world, { source: repo });
  let id = '';
  const postAndRun = await measureCapacity(async () => {
    id = await postJob(world, ws, { templateReference: world.templates['Plan and apply'] });
    await engine.idle(120_000);
  });
  const job = await readJob(world, id);
  if (job.status !== 'completed') throw new Error(`capacity job ended ${job.status}`);
  const getWithSteps = await measureCapacity(() => call('GET', `/api/v1/organization/${world.org}/job/${id}?include=step`, world.operator));
  const read = await call('GET', `/api/v1/organization/${world.org}/job/${id}?include=step`, world.operator);
  const stepId = read.body.included[0].id as string;
  const getStepLog = await measureCapacity(() => call('GET', `/tfoutput/v1/organization/${world.org}/job/${id}/step/${stepId}`, world.operator));
  return { postAndRun, getWithSteps, getStepLog, jobItemBytes: Buffer.byteLength(JSON.stringify(read.body.data.attributes)) };
}
