// One Lambda execution environment in a worker thread: its process.env is exactly the function's
// (the template's variables plus what the Lambda runtime sets), it imports the handler from the code
// asset as the Node.js runtime does, and it runs one invocation at a time.
import { parentPort, workerData } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Buffer } from 'node:buffer';
import { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';

// What the Node.js runtime offers for response streaming, before the handler loads: streamifyResponse
// marks a handler, HttpResponseStream.from writes the HTTP prelude (JSON, then eight NUL bytes).
const STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');
globalThis.awslambda = Object.assign(globalThis.awslambda ?? {}, {
  streamifyResponse: (handler) => Object.assign(handler, { [STREAMING]: 'response' }),
  HttpResponseStream: {
    from(stream, prelude) {
      stream.write(JSON.stringify(prelude));
      stream.write(new Uint8Array(8));
      return stream;
    },
  },
});

const { taskRoot, handler } = workerData;
// NODE_OPTIONS is per process; a worker applies the one option the functions set.
if (/(^| )--enable-source-maps( |$)/.test(process.env.NODE_OPTIONS ?? '')) process.setSourceMapsEnabled(true);

async function load() {
  const dot = handler.lastIndexOf('.');
  const [file, name] = [handler.slice(0, dot), handler.slice(dot + 1)];
  const path = ['.mjs', '.js', '.cjs'].map((ext) => join(taskRoot, `${file}${ext}`)).find((p) => existsSync(p));
  if (!path) throw Object.assign(new Error(`Cannot find module '${file}'`), { name: 'Runtime.ImportModuleError' });
  let module;
  try {
    module = await import(pathToFileURL(path).href);
  } catch (error) {
    throw Object.assign(new Error(`${error?.name}: ${error?.message}`), { name: 'Runtime.ImportModuleError' });
  }
  if (typeof module[name] !== 'function') throw Object.assign(new Error(`${handler} is undefined or not exported`), { name: 'Runtime.HandlerNotFound' });
  return module[name];
}

const errorOf = (error) => ({ errorType: error?.name ?? 'Error', errorMessage: error?.message ?? String(error), trace: String(error?.stack ?? '').split('\n') });

try {
  const fn = await load();
  parentPort.postMessage({ type: 'ready' });
  parentPort.on('message', async ({ id, event, context, stream }) => {
    process.env._X_AMZN_TRACE_ID = context.traceId;
    const deadline = Date.now() + context.timeoutMs;
    const ctx = { ...context, callbackWaitsForEmptyEventLoop: true, getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()) };
    try {
      if (stream) {
        // InvokeWithResponseStream: the handler writes; each chunk goes to the caller as it comes.
        if (fn[STREAMING] !== 'response') throw Object.assign(new Error('the handler is not a streaming handler'), { name: 'Runtime.InvalidStreamingOperation' });
        const responseStream = new Writable({
          write(chunk, _encoding, done) {
            parentPort.postMessage({ type: 'chunk', id, chunk: Buffer.from(chunk) });
            done();
          },
        });
        await fn(event, responseStream, ctx);
        if (!responseStream.writableEnded) responseStream.end();
        parentPort.postMessage({ type: 'result', id, result: null });
        return;
      }
      const result = await fn(event, ctx);
      // Lambda returns the JSON serialization of the result.
      parentPort.postMessage({ type: "result", id, result: JSON.parse(JSON.stringify(result ?? null)) });
    } catch (error) {
      parentPort.postMessage({ type: 'error', id, error: errorOf(error) });
    }
  });
} catch (error) {
  parentPort.postMessage({ type: 'init-error', error: errorOf(error) });
}
