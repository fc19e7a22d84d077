/**
 * Reads a Server-Sent Events stream as the Terrakube UI does (fetch with a bearer token and, on a
 * reconnect, Last-Event-ID), parsed by eventsource-parser, the parser EventSource clients use.
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';

export interface ReceivedEvent extends EventSourceMessage {
  /** When it arrived (epoch ms). */
  at: number;
}

export interface StreamRead {
  status: number;
  contentType: string;
  events: ReceivedEvent[];
  comments: string[];
  retry?: number;
  /** The body when the answer was no event stream (an error document). */
  text?: string;
  /** The server closed the stream (rather than the reader stopping). */
  closed: boolean;
}

export interface ReadOptions {
  token?: string;
  lastEventId?: string;
  /** Called on each event as it arrives (the reader keeps reading). */
  onEvent?: (event: ReceivedEvent) => void;
  /** Stop reading (and disconnect) once this holds. */
  until?: (events: ReceivedEvent[]) => boolean;
  timeoutMs?: number;
}

export async function readEventStream(url: string, options: ReadOptions = {}): Promise<StreamRead> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(new Error(`the stream ${url} did not end within ${options.timeoutMs ?? 30_000} ms`)), options.timeoutMs ?? 30_000);
  try {
    const res = await fetch(url, {
      signal: abort.signal,
      headers: {
        accept: 'text/event-stream',
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...(options.lastEventId !== undefined ? { 'last-event-id': options.lastEventId } : {}),
      },
    });
    const contentType = res.headers.get('content-type') ?? '';
    const read: StreamRead = { status: res.status, contentType, events: [], comments: [], closed: false };
    if (!contentType.startsWith('text/event-stream') || !res.body) return { ...read, text: await res.text(), closed: true };
    const parser = createParser({
      onEvent: (event) => {
        const received = { ...event, at: Date.now() };
        read.events.push(received);
        options.onEvent?.(received);
      },
      onComment: (comment) => read.comments.push(comment),
      onRetry: (ms) => (read.retry = ms),
    });
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return { ...read, closed: true };
      parser.feed(value);
      if (options.until?.(read.events)) {
        await reader.cancel();
        return read;
      }
    }
  } finally {
    clearTimeout(timer);
  }
}
