/**
 * GET /tfoutput/v1/.../step/{stepId}/stream: a step's log as Server-Sent Events, for whoever may read
 * the job (the same rule as the plain log). One `data:` event per log line; its `id:` is the byte
 * offset just past the line, so a client that reconnects with `Last-Event-ID` gets the lines after it.
 * Live, the stream follows the log and closes when the step has ended and every line was sent; a
 * reader that cannot stream (API Gateway) gets the lines there are now and `retry:`, and resumes.
 */
import { encode, encodeComment } from 'eventsource-encoder';
import { NotFound } from '../domain/errors';
import { isTerminal } from '../domain/job-status';
import type { JobRecord, StepRecord } from '../domain/records';
import type { StreamRequest } from '../http/stream-handler';
import { followLog, type LogEvent } from '../runs/log-follower';
import { artifactStore } from '../wiring';
import { orgParam } from './common';
import { jobIdParam, loadJob, readableJob } from './jobs';

/** How soon a client that was paused (deadline, one pass) comes back. */
const RETRY_MS = 1000;

const stepOf = (job: JobRecord | undefined, stepId: string): StepRecord | undefined => job?.steps.find((s) => s.id === stepId);
const stepEnded = (job: JobRecord | undefined, step: StepRecord | undefined) =>
  !job || !step || isTerminal(job.status) || !['pending', 'running'].includes(step.status);

/** A Last-Event-ID we sent is a byte offset; anything else starts at the beginning. */
export function resumeOffset(lastEventId: string | undefined): number {
  return lastEventId && /^\d{1,15}$/.test(lastEventId.trim()) ? Number(lastEventId.trim()) : 0;
}

export async function streamStepLog(req: StreamRequest): Promise<AsyncIterable<string>> {
  const orgId = orgParam(req);
  const jobId = jobIdParam(req);
  const { job } = await readableJob(req, orgId, jobId);
  const stepId = req.params.stepId ?? '';
  const step = stepOf(job, stepId);
  if (!step) throw new NotFound(`step ${stepId} does not exist`);
  const store = artifactStore();
  const ref = store.logRef(job.organizationId, job.id, step.id);
  // The record just read answers the first "has it ended?"; later ones read the job again.
  let known: boolean | undefined = stepEnded(job, step);
  const events = followLog(
    {
      read: (offset, maxBytes) => store.readFrom(ref, offset, maxBytes),
      async ended() {
        if (known !== undefined) return [known, (known = undefined)][0] as boolean;
        const { job: now } = await loadJob(orgId, jobId);
        return stepEnded(now, stepOf(now, stepId));
      },
      watch: store.watch ? (onChange) => store.watch?.(ref, onChange) : undefined,
    },
    { from: resumeOffset(req.lastEventId), live: req.live, deadline: req.deadline, signal: req.signal },
  );
  return toEventStream(events);
}

async function* toEventStream(events: AsyncIterable<LogEvent>): AsyncGenerator<string> {
  for await (const event of events) {
    if (event.kind === 'line') yield encode({ id: String(event.offset), data: event.text });
    else if (event.kind === 'idle') yield encodeComment('keep-alive');
    else if (event.reason === 'paused') yield encode({ retry: RETRY_MS });
  }
}

export { streamStepLog as stream };
