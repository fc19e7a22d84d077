/** A job's steps and their logs (contract §2), for whoever may read the job. */
import { Invalid, NotFound, parameter } from '../domain/errors';
import type { ApiRequest, ApiResponse } from '../http/api-handler';
import { document } from '../http/jsonapi';
import { artifactStore } from '../wiring';
import { ok, orgParam } from './common';
import { stepResource } from './job-documents';
import { jobIdParam, readableJob } from './jobs';

/**
 * Logs up to this size are answered inline. A Lambda response holds 6 MB at most, counted after the
 * text is escaped into the response JSON (newlines and quotes double), so larger ones are a redirect.
 */
export const INLINE_LOG_BYTES = 4 * 1024 * 1024;

/**
 * GET /tfoutput/v1/.../step/{stepId}: the step's log so far (text/plain), for whoever may read the
 * job; a larger log is a redirect to a short-lived link that serves it without passing through the
 * function (clients drop the bearer token on a redirect to another host, as they must).
 */
export async function getStepLog(req: ApiRequest): Promise<ApiResponse> {
  const { job } = await readableJob(req, orgParam(req), jobIdParam(req));
  const step = job.steps.find((s) => s.id === req.params.stepId);
  if (!step) throw new NotFound(`step ${req.params.stepId} does not exist`);
  const log = await artifactStore().readLog(artifactStore().logRef(job.organizationId, job.id, step.id), INLINE_LOG_BYTES);
  if (log && 'link' in log) return { status: 307, headers: { location: log.link } };
  return { status: 200, body: log?.text ?? '' };
}

/** `sort` on the step list: the Bitbucket pipe sends sort=stepNumber (terrakube_client.sh:121). */
const STEP_SORTS = ['stepNumber', '-stepNumber'] as const;

export async function listSteps(req: ApiRequest): Promise<ApiResponse> {
  const sort = req.query.get('sort') ?? 'stepNumber';
  if (!(STEP_SORTS as readonly string[]).includes(sort)) throw new Invalid(`sort '${sort}' is not supported (supported: ${STEP_SORTS.join(', ')})`, parameter('sort'));
  const { job } = await readableJob(req, orgParam(req), jobIdParam(req));
  const steps = [...job.steps].sort((a, b) => (a.stepNumber - b.stepNumber) * (sort === '-stepNumber' ? -1 : 1));
  return ok(document(steps.map((s) => stepResource(req, job, s))));
}
listSteps.query = ['sort'] as const;

export async function getStep(req: ApiRequest): Promise<ApiResponse> {
  const { job } = await readableJob(req, orgParam(req), jobIdParam(req));
  const step = job.steps.find((s) => s.id === req.params.stepId);
  if (!step) throw new NotFound(`step ${req.params.stepId} does not exist`);
  return ok(document(stepResource(req, job, step)));
}

export { listSteps as list, getStep as get, getStepLog as log };
