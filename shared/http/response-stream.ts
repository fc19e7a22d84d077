/**
 * Lambda response streaming, as the Node.js runtime offers it: the global `awslambda` with
 * `streamifyResponse` (marks a handler as streaming) and `HttpResponseStream.from` (writes the HTTP
 * status and headers as a JSON prelude followed by eight NUL bytes, then the body). Inside Lambda the
 * runtime's own global is used; anywhere else (`npm start`, the tests) a stand-in with the same wire
 * format is installed, so the local server decodes a streaming handler's output exactly as the
 * function URL service does (decodeHttpStream below).
 */
import type { Writable } from 'node:stream';

/** The property the runtime reads to invoke a handler in streaming mode. */
export const STREAMING_HANDLER = Symbol.for('aws.lambda.runtime.handler.streaming');
const STREAM_RESPONSE = 'response';
/** Ends the JSON prelude of an HTTP integration response (the status and headers). */
const PRELUDE_DELIMITER = new Uint8Array(8);

export interface HttpPrelude {
  statusCode: number;
  headers?: Record<string, string>;
}

export type StreamingHandler = ((event: unknown, responseStream: Writable, context: unknown) => Promise<void>) & { [STREAMING_HANDLER]?: string };

interface LambdaStreaming {
  streamifyResponse: (handler: StreamingHandler) => StreamingHandler;
  HttpResponseStream: { from: (stream: Writable, prelude: Record<string, unknown>) => Writable };
}

const standIn: LambdaStreaming = {
  streamifyResponse(handler) {
    handler[STREAMING_HANDLER] = STREAM_RESPONSE;
    return handler;
  },
  HttpResponseStream: {
    from(stream, prelude) {
      stream.write(JSON.stringify(prelude));
      stream.write(PRELUDE_DELIMITER);
      return stream;
    },
  },
};

/**
 * The runtime's streaming API. Outside Lambda the stand-in's members are added to the global (which
 * other libraries may have created for their own members); middy reads them there.
 */
export function lambdaStreaming(): LambdaStreaming {
  const scope = globalThis as unknown as { awslambda?: Partial<LambdaStreaming> };
  const runtime = (scope.awslambda ??= {});
  runtime.streamifyResponse ??= standIn.streamifyResponse;
  runtime.HttpResponseStream ??= standIn.HttpResponseStream;
  return runtime as LambdaStreaming;
}

export const isStreamingHandler = (handler: unknown): handler is StreamingHandler =>
  typeof handler === 'function' && (handler as StreamingHandler)[STREAMING_HANDLER] === STREAM_RESPONSE;

/**
 * Reads what a streaming handler wrote as the function URL service does: the prelude first (status
 * and headers), then the body as it comes. `onPrelude` runs once, before the first body chunk.
 */
export class HttpStreamDecoder {
  private head: Buffer = Buffer.alloc(0);
  private prelude?: HttpPrelude;

  constructor(
    private readonly onPrelude: (prelude: HttpPrelude) => void,
    private readonly onBody: (chunk: Buffer) => void,
  ) {}

  write(chunk: Uint8Array): void {
    if (this.prelude) {
      if (chunk.length) this.onBody(Buffer.from(chunk));
      return;
    }
    this.head = Buffer.concat([this.head, chunk]);
    const end = this.head.indexOf(PRELUDE_DELIMITER);
    if (end === -1) return;
    this.prelude = JSON.parse(this.head.subarray(0, end).toString('utf8')) as HttpPrelude;
    this.onPrelude(this.prelude);
    const rest = this.head.subarray(end + PRELUDE_DELIMITER.length);
    this.head = Buffer.alloc(0);
    if (rest.length) this.onBody(rest);
  }

  /** A handler that wrote no prelude answered a plain 200 with its bytes as the body. */
  end(): void {
    if (this.prelude) return;
    this.prelude = { statusCode: 200, headers: { 'content-type': 'application/octet-stream' } };
    this.onPrelude(this.prelude);
    if (this.head.length) this.onBody(this.head);
  }
}
