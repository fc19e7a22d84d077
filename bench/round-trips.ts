/**
 * DynamoDB requests per job operation, counted by the service's own SDK middleware (`roundTrips`),
 * through `dispatch()` so the authorizer and every authorization read are included. Each operation is
 * called once to warm, then counted on a second, equivalent call.
 *
 * Runs are not started here: the job runner is a no-op, as in AWS where starting or stopping a run is a
 * Step Functions call (StartExecution / StopExecution), not a DynamoDB request. Without it, the local
 * engine's Advance task would run in this same process and be counted as part of the POST.
 */
import { useRunControl } from '../shared/wiring';
import { noRuns } from './env';
import { roundTrips } from '../shared/store/client';
import { median } from './stats';
import { call, createWorkspace, expectStatus, jobDocument, postJob, type Answer, type World } from './api';

export interface Counted {
  total: number;
  byCommand: Record<string, number>;
}

export interface RoundTrips {
  getJob: Counted;
  getJobWithSteps: Counted;
  createJob: Counted;
  createJobByCommand: Counted;
  patchJobStatus: Counted;
  patchJobComments: Counted;
  listJobsPage: Counted;
  /** Median dispatch time (authorizer + function, in process) over `timedCalls` calls, ms. */
  timings: { postMs: number; getWithStepsMs: number; timedCalls: number };
}

async function counted(action: () => Promise<Answer>, status: number, what: string): Promise<Counted> {
  roundTrips.reset();
  expectStatus(await action(), status, what);
  return { total: roundTrips.total, byCommand: { ...roundTrips.byCommand } };
}

/** Warms with `warm`, then counts `measure` (two distinct but equivalent requests where one can't be repeated). */
async function warmThenCount(warm: () => Promise<Answer>, measure: () => Promise<Answer>, status: number, what: string): Promise<Counted> {
  expectStatus(await warm(), status, `${what} (warm-up)`);
  return counted(measure, status, what);
}

/** `jobWithSteps`: a finished plan+apply job (it has two steps). */
export async function measureRoundTrips(world: World, jobWithSteps: string, source: string): Promise<RoundTrips> {
  useRunControl(noRuns);
  try {
    const { org, operator } = world;
    const jobPath = `/api/v1/organization/${org}/job/${jobWithSteps}`;
    const get = () => call('GET', jobPath, operator);
    const getSteps = () => call('GET', `${jobPath}?include=step`, operator);
    const included = expectStatus(await getSteps(), 200, 'read job').body.included as unknown[];
    if (!included?.length) throw new Error(`job ${jobWithSteps} has no steps to include`);

    const ws = await createWorkspace(world, { source });
    const post = (attributes: Record<string, unknown>) => () => call('POST', `/api/v1/organization/${org}/job`, operator, jobDocument(ws, attributes));
    const plan = { templateReference: world.templates.Plan };

    // Cancel: two workspaces with one active (pending) job each; warm on one, count the other.
    const cancellable = await Promise.all([0, 1].map(async () => {
      const w = await createWorkspace(world, { source });
      return postJob(world, w, plan);
    }));
    const patch = (id: string, attributes: Record<string, unknown>) => () =>
      call('PATCH', `/api/v1/organization/${org}/job/${id}`, operator, { data: { type: 'job', id, attributes } });

    const timedCalls = 20;
    const time = async (action: () => Promise<Answer>) => {
      const samples: number[] = [];
      for (let i = 0; i < timedCalls; i++) {
        const t0 = performance.now();
        await action();
        samples.push(performance.now() - t0);
      }
      return median(samples);
    };
    const timings = { postMs: await time(post(plan)), getWithStepsMs: await time(getSteps), timedCalls };

    return {
      timings,
      getJob: await warmThenCount(get, get, 200, 'GET job'),
      getJobWithSteps: await warmThenCount(getSteps, getSteps, 200, 'GET job include=step'),
      createJob: await warmThenCount(post(plan), post(plan), 201, 'POST job (templateReference)'),
      createJobByCommand: await warmThenCount(post({ command: 'plan' }), post({ command: 'plan' }), 201, 'POST job (command)'),
      patchJobStatus: await warmThenCount(patch(cancellable[0] as string, { status: 'cancelled' }), patch(cancellable[1] as string, { status: 'cancelled' }), 204, 'PATCH job status=cancelled'),
      patchJobComments: await warmThenCount(patch(cancellable[0] as string, { comments: 'a' }), patch(cancellable[1] as string, { comments: 'b' }), 204, 'PATCH job comments'),
      listJobsPage: await warmThenCount(
        () => call('GET', `/api/v1/organization/${org}/job`, operator),
        () => call('GET', `/api/v1/organization/${org}/job`, operator),
        200,
        'GET job list (one page)',
      ),
    };
  } finally {
    useRunControl(noRuns);
  }
}
