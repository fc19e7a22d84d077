/** Following a growing log (shared/runs/log-follower.ts) over an in-memory log, as the S3 and file stores serve it. */
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { describe, expect, it } from 'vitest';
import { followLog, type LogEvent } from '../../shared/runs/log-follower';
import { resumeOffset } from '../../shared/resources/step-stream';

function memoryLog(initial = '') {
  const log = { bytes: Buffer.from(initial), ended: false, reads: 0 };
  const source = {
    read: async (offset: number, max: number) => {
      log.reads++;
      return log.bytes.subarray(offset, offset + max);
    },
    ended: async () => log.ended,
  };
  return { log, source };
}

async function collect(events: AsyncIterable<LogEvent>): Promise<LogEvent[]> {
  const out: LogEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

const options = (extra: Partial<Parameters<typeof followLog>[1]> = {}) => ({
  from: 0,
  live: true,
  deadline: Date.now() + 60_000,
  signal: new AbortController().signal,
  pollMs: 5,
  ...extra,
});

describe('following a step log', () => {
  it('sends whole lines with the offset past each, holds a partial line until the step ends, then sends it', async () => {
    const { log, source } = memoryLog('one\r\ntwo\nthr');
    const events = followLog(source, options());
    const first = [await events.next(), await events.next()].map((r) => r.value);
    expect(first).toEqual([
      { kind: 'line', text: 'one', offset: 5 },
      { kind: 'line', text: 'two', offset: 9 },
    ]);
    log.bytes = Buffer.from('one\r\ntwo\nthree\nfo');
    log.ended = true;
    expect(await collect(events)).toEqual([
      { kind: 'line', text: 'three', offset: 15 },
      { kind: 'line', text: 'fo', offset: 17 },
      { kind: 'end', reason: 'ended' },
    ]);
  });

  it('resumes from an offset, counts bytes (not characters), and splits a line longer than a chunk', async () => {
    const { log, source } = memoryLog('héllo\nwörld\n' + 'x'.repeat(10) + '\n');
    log.ended = true;
    const events = await collect(followLog(source, options({ from: 7, chunkBytes: 4 })));
    expect(events).toEqual([
      // 'wör' is 4 bytes (ö is 2), a chunk: sent as a piece of its line.
      { kind: 'line', text: 'wör', offset: 11 },
      { kind: 'line', text: 'ld', offset: 14 },
      { kind: 'line', text: 'xxxxx', offset: 19 },
      { kind: 'line', text: 'xxxx', offset: 23 },
      { kind: 'line', text: 'x', offset: 25 },
      { kind: 'end', reason: 'ended' },
    ]);
  });

  it('pauses at the deadline, after one pass when not live, and stops when the client went away', async () => {
    const { source } = memoryLog('a\nb');
    expect(await collect(followLog(source, options({ live: false })))).toEqual([
      { kind: 'line', text: 'a', offset: 2 },
      { kind: 'end', reason: 'paused' },
    ]);
    expect((await collect(followLog(source, options({ deadline: Date.now() + 30 })))).at(-1)).toEqual({ kind: 'end', reason: 'paused' });
    const gone = new AbortController();
    setTimeout(() => gone.abort(), 30);
    expect(await collect(followLog(source, options({ signal: gone.signal })))).toEqual([{ kind: 'line', text: 'a', offset: 2 }]);
  });

  it('keeps a silent connection alive, and a missing log is waited for', async () => {
    const { log, source } = memoryLog();
    const reads: LogEvent[] = [];
    const events = followLog({ ...source, read: async (o, m) => (log.bytes.length ? source.read(o, m) : undefined) }, options({ keepAliveMs: 20 }));
    reads.push((await events.next()).value as LogEvent);
    log.bytes = Buffer.from('late\n');
    log.ended = true;
    reads.push(...(await collect(events)));
    expect(reads[0]).toEqual({ kind: 'idle' });
    expect(reads.filter((e) => e.kind === 'line')).toEqual([{ kind: 'line', text: 'late', offset: 5 }]);
  });

  it('reads a resumption id as a byte offset, and starts over for any other', () => {
    expect([resumeOffset('42'), resumeOffset(' 7 '), resumeOffset(undefined), resumeOffset('abc'), resumeOffset('-3'), resumeOffset('1e9')]).toEqual([
      42, 7, 0, 0, 0, 0,
    ]);
  });

  it('what it sends parses as events with those ids (eventsource-parser)', async () => {
    const { encode } = await import('eventsource-encoder');
    const received: EventSourceMessage[] = [];
    const parser = createParser({ onEvent: (e) => received.push(e) });
    parser.feed(encode({ id: '4', data: 'a\rb' }) + encode({ id: '9', data: '' }));
    expect(received).toEqual([
      { id: '4', data: 'a\nb', event: undefined },
      { id: '9', data: '', event: undefined },
    ]);
  });
});
