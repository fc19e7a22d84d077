/**
 * BENCHMARKS.md's section on issue 16: where a plan+apply job's time goes, phase by phase, beside the
 * bare terraform floor measured in the same run, against the design before (bench/baseline.json, written
 * by `BENCH_BASELINE=1 npm run bench -- runs`), and the same reuse on AWS (report-aws.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './env';
import { table } from './markdown';
import type { Results } from './results';
import { awsSection } from './report-aws';

type RunFigures = Pick<Results, 'jobStartMs' | 'clientPostToRunningMs' | 'planApplyE2eMs' | 'planApplyToBareTerraformRatio' | 'bareTerraformMs' | 'planApplyPhasesMs'> & {
  jobStartDynamoDbFloorMs?: Results['jobStartDynamoDbFloorMs'];
  loadAverage?: Record<string, number>;
};

function baseline(): RunFigures | undefined {
  const file = join(ROOT, 'bench', 'baseline.json');
  if (!existsSync(file)) return undefined;
  const b = JSON.parse(readFileSync(file, 'utf8')) as Partial<RunFigures>;
  return b.planApplyPhasesMs && b.bareTerraformMs ? (b as RunFigures) : undefined;
}

const PHASES: [keyof Results['planApplyPhasesMs'], string][] = [
  ['api', 'API: POST sent → answered'],
  ['queue', 'queue: POST answered → first task of the run (0: it starts while the POST is answered)'],
  ['orchestration', 'orchestration: the run’s tasks on the path (Advance before the plan and after the apply, transitions); the chained apply’s start is recorded beside it'],
  ['executor', 'executor: step handed over, contexts read, state proxy, log, plan saved and read back'],
  ['checkout', 'checkout (git)'],
  ['init', 'terraform version + init'],
  ['plan', 'terraform plan'],
  ['apply', 'terraform apply'],
  ['state', 'state version saved'],
];

/** The floor's row beside the job start. */
const floorLabel = (f: NonNullable<Results['jobStartDynamoDbFloorMs']>) =>
  `  its DynamoDB floor: the first Advance’s job write (${f.jobWriteMs} ms) beside the workspace’s (${f.writesMs} ms both) and the workspace read (${f.readMs} ms), sent raw`;

export function speedSection(r: Results): string {
  const before = baseline();
  const p = r.planApplyPhasesMs;
  const bare = r.bareTerraformMs;
  const floor: Partial<Record<keyof Results['planApplyPhasesMs'], number>> = { init: bare.initP50, plan: bare.planP50, apply: bare.applyP50 };
  const rows = PHASES.map(([key, label]) => [label, before ? before.planApplyPhasesMs[key] : '', p[key], floor[key] ?? '—']);
  rows.push(['**POST → completed (p50)**', before ? `**${before.planApplyE2eMs.p50}**` : '', `**${r.planApplyE2eMs.p50}**`, `**${bare.p50}**`]);
  const load = (f?: Record<string, number>) => (f?.jobRuns !== undefined ? ` (load average ${f.jobRuns})` : '');
  return [
    'A "Plan and apply" job through the local service against the floor: the same configuration run by hand with terraform alone in a fresh',
    'directory (`init`, `plan -out`, `apply` of the plan; `bench/bare-terraform.ts`), once before each of the service’s jobs, so both see the same machine.',
    'The phases come from the engine’s event log and step records and the executor’s own timings (`phases` in its result); they add up to',
    'each job’s POST → completed, and the table shows their medians (so the column sums to about the median job).',
    '',
    table(['phase (ms, median)', before ? `before issue 16${load(before.loadAverage)}` : 'before', `now${load(r.loadAverage)}`, 'bare terraform, same run'], rows),
    '',
    table(
      ['figure', 'before', 'now', 'budget'],
      [
        ['`planApplyToBareTerraformRatio` (medians)', before ? `${before.planApplyToBareTerraformRatio}×` : '', `${r.planApplyToBareTerraformRatio}×`, '≤ 1.5×'],
        ['`jobStartMs.p50`: POST answered → first step running', before ? `${before.jobStartMs.p50} ms` : '', `${r.jobStartMs.p50} ms`, '≤ 20 ms'],
        ...(r.jobStartDynamoDbFloorMs
          ? [[floorLabel(r.jobStartDynamoDbFloorMs), '', `${r.jobStartDynamoDbFloorMs.totalMs} ms`, '']]
          : []),
        ['`clientPostToRunningMs.p50`: POST sent → a client reads `running`', before ? `${before.clientPostToRunningMs.p50} ms` : '', `${r.clientPostToRunningMs.p50} ms`, '≤ 40 ms'],
        ['`createJobsToRawCreateRequestsRatio`', '', `${r.createJobsToRawCreateRequestsRatio}`, '≥ 0.8'],
      ],
    ),
    '',
    'Job creation under load (`createJobsToRawCreateRequestsRatio`, the HTTP phase): 16 connections creating jobs in one organization, against',
    'the same DynamoDB requests per job sent raw at the same concurrency. Creations of one organization commit in id order (the watermark),',
    'so they used to take turns: two round trips each, one at a time. They now commit in groups (`shared/jobs/group-commit.ts`,',
    '`commit-jobs.ts`): whoever’s turn comes takes the creations queued meanwhile (one per workspace, at most 24, none with writes of their',
    'own), reserves their ids in one UpdateItem and commits them in one transaction; a group that fails commits its members one by one. A',
    'creation alone, with no other in flight, makes 2 requests (its id is taken in its transaction). The raw figure sends 3 requests per job',
    '(the reserving path, which creations take under this load), so grouped creation can go above it.',
    '',
    'What the floor of each figure is on this machine: plan+apply cannot go below the bare sequence (three terraform processes; each costs',
    'about 50 ms before it does anything, most of it Go package initialisation of the binary’s backends); the job start cannot go below the',
    'DynamoDB floor above (DynamoDB Local answers a request in several milliseconds, a transaction in several to tens; the first Advance',
    'now sends the job’s write, the workspace’s and the workspace read side by side); a client’s POST → running adds the POST',
    '(2 requests: a batch read, the creation’s transaction) and its own polling to the job’s write alone.',
    '',
    '"Before" is `BENCH_BASELINE=1 npm run bench -- runs` on the same code with the reuse switched off (`executorReuse: false`: a new',
    'executor process per step, each checking out and running `terraform version` and `init` again); Advance’s read savings are in both columns.',
    'Wall-clock figures on this 2-core machine move with its load (the load average is beside each column): compare the ratio, which',
    'measures service and floor in the same minutes.',
    '',
    'What changed (issue 16):',
    '',
    '- **Warm executor processes** (`local/executor-process.ts` `ExecutorPool`, `executor/main.ts` worker mode): the engine keeps two executor processes booted; a step goes to an idle one over Node’s IPC channel and the process takes the next step after it (retired after 200). A cancel still sends SIGINT (the worker interrupts terraform, then exits), the kill timer still follows, a process killed mid-step still fails its step with “the executor ended without a result”, and pid files still let a restarted engine stop what a killed one left running. Before, every step spawned Node and loaded the bundle (the “executor” row).',
    '- **One checkout and one `terraform init` per job** (`executor/work-dir.ts`): the engine gives each job a directory named after it (`TK_JOB_DIR`, under the files directory, so it outlives an approval wait and an engine restart). The first step checks out, runs `terraform version` and `init`, and records what it prepared from (a hash of source, branch, folder, configuration archive, binary and version, backend, ENV variables and provider cache, plus the commit); a later step whose inputs match and whose commit is the recorded one goes straight to its command. A missing or half-made directory, other inputs or another commit make the step prepare again from scratch; a step that runs user scripts marks the directory unprepared before the first script, so the next step starts clean. The engine removes the directory when the run ends (not when it is only shut down: the run resumes with it), and at start sweeps directories older than an execution may live.',
    '- **`terraform version` once per process** (`executor/version-cache.ts`), keyed by the binary’s path, size and mtime.',
    '- **A plan’s apply chained to it** (`shared/run-tasks/chained-step.ts`, `executor/main.ts`, `local/engine.ts`; in AWS too, see below): when the flow’s next step after a plan is an apply (no approval between), Advance writes the apply’s context beside the plan’s; the worker that ran the plan reports its result and, when the plan found changes (the run’s own rule), goes straight on with the apply in the same process and directory. The engine records the plan’s end and the apply’s start beside the running apply (what Advance would have done, by the same `decide`), and the apply’s result, which names its step, reaches the next Advance as usual: 6 state transitions instead of 9, no second handover. A plan without changes deletes the apply’s context unread; a cancel stops the chain like any step; a chain the run’s rules would refuse is stopped and Advance goes on from the plan’s result.',
    '- **The structured view after the result** (`executor/run-step.ts`): `terraform show -json` of the saved plan (about 50 ms, a terraform process) runs once the step’s result is out and the run has recorded it (the engine says `proceed`), at niceness 19; the apply of the same plan reuses that output from the job’s directory, and the outputs come from the state the step left (no `terraform output`). It is bounded (120 s) and never holds its process. The worker takes no new step and the engine keeps the job’s directory until it is done; a view recorded after its job was deleted is removed with it.',
    '- **The state proxy holds the state** (`executor/state-proxy.ts`): terraform’s reads are answered from the state the step started with (read once) and every write since, and the state saved after the step is the one terraform last wrote: two reads fewer per step.',
    '- **Reads in one round** (`shared/run-tasks/advance.ts`): the starter of a job it just created passes the job’s workspace and template with the run, and every Advance carries the workspace on, so Advance reads the job, the workspace with its variables, the template and the state head side by side (hints only: the job read decides).',
    '- **The first dispatch without reads** (`shared/run-tasks/advance.ts`, `shared/ports/run-control.ts` `CreatedRun`): the creator of a job that became active at once hands its run, in the same process, the job it committed and the template it read; the run’s first Advance decides from them and writes at once, with the workspace and its variables (for the step context) read beside that write. A job cancelled meanwhile fails the write, and Advance reads and decides again. Never sent to Step Functions (an execution’s input is kept in its history): in AWS the first Advance reads, side by side, as before.',
    '- **The first dispatch is one UpdateItem** (`shared/run-tasks/advance.ts`, `planLastJobSince` in `shared/store/repositories/workspace-queue.ts`): it writes the job alone, conditional on it still waiting (a job that waits keeps the workspace it was given: only its end moves the queue on; the creator vouches it claimed it), and is sent before the POST is answered (the TCL parser is loaded once per process, not imported again on each Advance, which let the answer and the client’s first read go first). The workspace shows the job’s new status by a write beside it, only if its last job change is still the one the run knows (a cancel or another job’s creation meanwhile is newer and stays). A transaction of two items took DynamoDB Local about twice a single write; later dispatches still write both in one transaction.',
    '- **A step running from its dispatch** (`local/engine.ts`, `local/executor-process.ts` `takesAtOnce`): when a booted warm process is idle, the dispatch itself writes the job and the step `running` (no `queue` in between) and the step goes to that process; no second write records the start. Without an idle process the step is queued and its start recorded at handover, as before. The job start is measured at the engine’s handover, not at the step’s `startedDate` (which is now the dispatch’s, a few milliseconds earlier).',
    '- **The next id in the creation’s own transaction** (`shared/jobs/commit-jobs.ts`, `shared/store/repositories/job-ids.ts`): the creation reads the organization’s id counter with the rest; when no creation is in flight (every reserved id committed, none abandoned) its transaction takes the next id, conditional on the counter as read — one UpdateItem fewer per POST. A counter that moved meanwhile fails that transaction without writing or reserving anything, and the creation reserves an id as before.',
    '- **No duplicate reads in the run’s tasks** (`shared/run-tasks/advance.ts`): the first Advance reads the workspace with its variables once, beside the template, and hands it to the step context (it was read twice: once to check the job holds it, once for the context); recording a new state version goes on with the job it read; the local engine records a step start from the job Advance dispatched and at the moment of handover (`stepStarted(…, at, dispatched)`: its write is conditional on the job still queued with that step pending, so no read first).',
    '',
    awsSection(r),
  ].join('\n');
}

