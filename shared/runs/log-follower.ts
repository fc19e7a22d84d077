/**
 * Follows a step's log as it grows: whole lines, each with the byte offset just past it (what a client
 * resumes from), until the step ends. The log is read from an offset on (a file locally, an S3 range in
 * AWS); a change notification (fs.watch) wakes the reader at once where the store offers one, else it
 * looks again every `pollMs`. Whether the step ended is read at most every `pollMs`, and always BEFORE
 * the log: what the step wrote before it ended is then certainly in what is read after.
 */

export interface LogLine {
  kind: 'line';
  text: string;
  /** The byte offset just past this line (and its newline): where a resumed read starts. */
  offset: number;
}

export type LogEvent =
  | LogLine
  /** Nothing new for `keepAliveMs`: a proxy between us and the client may close a silent connection. */
  | { kind: 'idle' }
  /** `ended`: the step ended and every line was sent. `paused`: the reader stopped first (deadline, one pass, size); resume from the last offset. */
  | { kind: 'end'; reason: 'ended' | 'paused' };

export interface LogSource {
  read(offset: number, maxBytes: number): Promise<Buffer | undefined>;
  /** Whether the step has ended (read anew each time it is asked). */
  ended(): Promise<boolean>;
  watch?(onChange: () => void): (() => void) | undefined;
}

export interface FollowOptions {
  from: number;
  /** false: one pass over what is there now (a client that cannot stream resumes from the last offset). */
  live: boolean;
  /** Epoch ms after which a live reader pauses (a Lambda function's time runs out). */
  deadline: number;
  signal: AbortSignal;
  pollMs?: number;
  keepAliveMs?: number;
  /** Bytes read per request, and the most one pass sends before it pauses. */
  chunkBytes?: number;
  maxPassBytes?: number;
}

const NEWLINE = 0x0a;

export async function* followLog(source: LogSource, options: FollowOptions): AsyncGenerator<LogEvent> {
  const { live, deadline, signal, pollMs = 1000, keepAliveMs = 15_000, chunkBytes = 1 << 20, maxPassBytes = 4 << 20 } = options;
  let offset = Math.max(0, options.from);
  let partial: Buffer = Buffer.alloc(0);
  let lastStatusAt = -Infinity;
  let lastSentAt = Date.now();
  let sentBytes = 0;
  let changed: boolean;
  let wake: (() => void) | undefined;
  let unwatch: (() => void) | undefined;
  const onChange = () => {
    changed = true;
    wake?.();
  };
  try {
    for (;;) {
      if (signal.aborted) return;
      unwatch ??= live ? source.watch?.(onChange) : undefined;
      const statusDue = !live || Date.now() - lastStatusAt >= pollMs;
      const ended = statusDue ? await source.ended() : false;
      if (statusDue) lastStatusAt = Date.now();
      changed = false;
      // Read everything there is (a chunk at a time), sending each whole line.
      for (;;) {
        const bytes = await source.read(offset + partial.length, chunkBytes);
        if (bytes?.length) partial = partial.length ? Buffer.concat([partial, bytes]) : bytes;
        for (let nl = partial.indexOf(NEWLINE); nl !== -1 || partial.length >= chunkBytes; nl = partial.indexOf(NEWLINE)) {
          // A line longer than a chunk is sent in pieces, so memory stays bounded.
          const end = nl === -1 ? partial.length : nl + 1;
          yield line(partial.subarray(0, end), (offset += end));
          sentBytes += end;
          lastSentAt = Date.now();
          partial = partial.subarray(end);
        }
        if (!bytes || bytes.length < chunkBytes) break;
        if (!live && sentBytes >= maxPassBytes) return yield { kind: 'end', reason: 'paused' };
      }
      if (ended) {
        // The step's last line may have no newline.
        if (partial.length) yield line(partial, (offset += partial.length));
        return yield { kind: 'end', reason: 'ended' };
      }
      if (!live || Date.now() >= deadline) return yield { kind: 'end', reason: 'paused' };
      if (!changed) {
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            signal.removeEventListener('abort', done);
            wake = undefined;
            resolve();
          };
          const timer = setTimeout(done, Math.max(0, Math.min(pollMs, deadline - Date.now())));
          wake = done;
          signal.addEventListener('abort', done);
        });
      }
      if (Date.now() - lastSentAt >= keepAliveMs) {
        lastSentAt = Date.now();
        yield { kind: 'idle' };
      }
    }
  } finally {
    unwatch?.();
  }
}

function line(bytes: Buffer, offset: number): LogLine {
  let end = bytes.length;
  if (bytes[end - 1] === NEWLINE) end--;
  if (bytes[end - 1] === 0x0d) end--;
  return { kind: 'line', text: bytes.subarray(0, end).toString('utf8'), offset };
}
