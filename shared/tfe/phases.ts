/**
 * A run's plan and apply (its job's plan step and apply step) and their logs as terraform streams
 * them. terraform reads `log-read-url` without a token and replaces its query with `limit`/`offset`,
 * so the URL carries its capability in the path: the run's random log token (never rendered
 * elsewhere). The answer is bytes [offset, offset+limit) of STX, the step log and, once the step has
 * ended, ETX; terraform stops when the phase's status is final. Apply logs start with three header
 * lines, which terraform skips. Reads are ranged, so a log of any size streams through small answers.
 */
import { timingSafeEqual } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { NotFound } from '../domain/errors';
import type { JobRecord } from '../domain/records';
import type { ApiRequest, ApiResponse } from '../http/api-handler';
import type { ResourceObject } from '../http/jsonapi';
import { ok } from '../resources/common';
import { readJob } from '../store/repositories/jobs';
import { artifactStore } from '../wiring';
import { many, tfeDocument } from './documents';
import { parsePhaseTfeId, phaseTfeId, type Phase } from './ids';
import { TFE_BASE } from './organizations';
import { runView, type PhaseView } from './run-view';
import { jobByKey } from './scope';
import type { PublicResult } from './http';

export const LOG_PATH = `${TFE_BASE}/logs`;
const STX = 0x02;
const ETX = 0x03;
const APPLY_HEADER = Buffer.from('Terraform apply\nrun by the Terrakube Jobs API executor\n\n');
const FINAL: ReadonlySet<string> = new Set(['finished', 'errored', 'canceled', 'unreachable']);
const MAX_LIMIT = 1024 * 1024;

const logUrl = (req: Pick<ApiRequest, 'baseUrl'>, job: JobRecord, phase: Phase) =>
  job.cli ? `${req.baseUrl}${LOG_PATH}/${phaseTfeId(phase, job.organizationId, job.id)}/${job.cli.logToken}` : null;

const phaseOf = (job: JobRecord, phase: Phase): PhaseView => runView(job)[phase];

export function phaseResource(req: ApiRequest, job: JobRecord, phase: Phase): ResourceObject {
  const view = phaseOf(job, phase);
  const counts = view.resources;
  return {
    type: phase === 'plan' ? 'plans' : 'applies',
    id: phaseTfeId(phase, job.organizationId, job.id),
    attributes: {
      ...(phase === 'plan' ? { 'has-changes': runView(job).hasChanges, 'generated-configuration': false } : {}),
      'log-read-url': logUrl(req, job, phase),
      'resource-additions': counts.add,
      'resource-changes': counts.change,
      'resource-destructions': counts.destroy,
      'resource-imports': counts.import,
      status: view.status,
      'status-timestamps': view.timestamps,
    },
    relationships: phase === 'plan' ? { exports: many('plan-exports', []) } : {},
    links: { self: `${TFE_BASE}/${phase === 'plan' ? 'plans' : 'applies'}/${phaseTfeId(phase, job.organizationId, job.id)}` },
  };
}

const phaseRoute = (phase: Phase, param: 'planId' | 'applyId') => async (req: ApiRequest): Promise<ApiResponse> => {
  const id = req.params[param] ?? '';
  const key = parsePhaseTfeId(id);
  const { job } = await jobByKey(req.principal, key && key.phase === phase ? key : undefined, id);
  return ok(tfeDocument(phaseResource(req, job, phase)));
};

export const getPlan = phaseRoute('plan', 'planId');
export const getApply = phaseRoute('apply', 'applyId');

const sameToken = (given: string, expected: string) => {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
};

const logNotFound = () => new NotFound('no such log');

/** GET /api/v2/logs/{phaseId}/{token}?limit&offset: public, the token in the path is the capability. */
export async function readLog(event: APIGatewayProxyEventV2): Promise<PublicResult> {
  const key = parsePhaseTfeId(event.pathParameters?.phaseId ?? '');
  const job = key ? await readJob(key.organizationId, key.jobId) : undefined;
  if (!key || !job?.cli || !sameToken(event.pathParameters?.token ?? '', job.cli.logToken)) throw logNotFound();
  const query = new URLSearchParams(event.rawQueryString ?? '');
  const offset = Math.max(0, Math.floor(Number(query.get('offset') ?? 0)) || 0);
  const limit = Math.min(MAX_LIMIT, Math.max(0, Math.floor(Number(query.get('limit') ?? 65_536)) || 65_536));
  const view = phaseOf(job, key.phase);
  const bytes = view.step ? await framedRange(job, view, key.phase, offset, limit) : Buffer.alloc(0);
  return { statusCode: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: bytes.toString('base64'), isBase64Encoded: true };
}

/**
 * Bytes [offset, offset+limit) of STX + header + log (+ ETX once the step ended). The log object is
 * read from one byte before the range, so its size is known even when the range starts at its end.
 */
async function framedRange(job: JobRecord, view: PhaseView, phase: Phase, offset: number, limit: number): Promise<Buffer> {
  const header = phase === 'apply' ? APPLY_HEADER : Buffer.alloc(0);
  const lead = 1 + header.length;
  const ended = FINAL.has(view.status);
  const end = offset + limit;
  const parts: Buffer[] = [];
  if (offset === 0 && limit > 0) parts.push(Buffer.from([STX]));
  if (offset < lead && end > 1) parts.push(header.subarray(Math.max(0, offset - 1), Math.min(header.length, end - 1)));
  const store = artifactStore();
  const from = Math.max(0, offset - lead);
  const to = Math.max(0, end - lead);
  let logSize: number | undefined;
  if (to > from || ended) {
    const readFrom = Math.max(0, from - 1);
    const { bytes, size } = await store.readRange(store.logRef(job.organizationId, job.id, view.step?.id ?? ''), readFrom, Math.max(to, from + 1));
    const skipped = from - readFrom;
    logSize = size ?? (bytes.length < Math.max(to, from + 1) - readFrom ? readFrom + bytes.length : undefined);
    if (to > from) parts.push(bytes.subarray(skipped, skipped + (to - from)));
  }
  // ETX sits right after the log once the step ended; it is served when the range reaches it.
  if (ended && logSize !== undefined) {
    const etxAt = lead + logSize;
    if (etxAt >= offset && etxAt < end) parts.push(Buffer.from([ETX]));
  }
  return Buffer.concat(parts);
}
