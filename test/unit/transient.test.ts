/**
 * What counts as "try again shortly" (shared/adapters/aws/transient.ts), how it is answered (503 with
 * Retry-After, never 500), and the retry policy runs ride gaps with (shared/runs/transient-retry.ts).
 * The failures are shaped exactly as the AWS SDK v3 throws them (checked against a real client pointed
 * at a closed port, a server that drops connections, one that never answers, and 5xx answers).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { ESBUILD_OPTIONS } from '../../infra/bundling';
import { Conflict, Unavailable } from '../../shared/domain/errors';
import { isTransient, unavailableIfTransient } from '../../shared/adapters/aws/transient';
import { errorResponse } from '../../shared/http/error-response';
import { expectedWindowSeconds, longestWindowSeconds, retryTransient, type RetryPolicy } from '../../shared/runs/transient-retry';

const sdkError = (name: string, fields: Record<string, unknown>) => Object.assign(new Error(fields.message as string | undefined), { name, ...fields });

const TRANSIENT: [string, unknown, number][] = [
  ['connection refused', sdkError('Error', { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:1', $metadata: { attempts: 4 } }), 2],
  ['connection reset (socket hang up)', sdkError('TimeoutError', { code: 'ECONNRESET', message: 'socket hang up', $metadata: {} }), 2],
  ['request timeout', sdkError('TimeoutError', { code: 'ETIMEDOUT', message: 'a request has exceeded the configured 3000 ms requestTimeout.' }), 2],
  ['DynamoDB 500', sdkError('InternalServerError', { $fault: 'server', $metadata: { httpStatusCode: 500 } }), 2],
  ['a proxy 502 page (fails deserialization)', sdkError('SyntaxError', { message: "Unexpected token '<'", $metadata: { httpStatusCode: 502 } }), 2],
  ['503 from S3', sdkError('SlowDown', { $metadata: { httpStatusCode: 503 } }), 1],
  ['throttled', sdkError('ThrottlingException', { $retryable: { throttling: true }, $metadata: { httpStatusCode: 400 } }), 1],
  ['a 429 by any name', sdkError('TooManyRequests', { $metadata: { httpStatusCode: 429 } }), 1],
  [
    'a transaction cancelled by throttling',
    sdkError('TransactionCanceledException', { CancellationReasons: [{ Code: 'None' }, { Code: 'ThrottlingError' }] }),
    1,
  ],
];

const PERMANENT: [string, unknown][] = [
  ['a failed condition', sdkError('ConditionalCheckFailedException', { $fault: 'client', $metadata: { httpStatusCode: 400 } })],
  ['a malformed request', sdkError('ValidationException', { $fault: 'client', $metadata: { httpStatusCode: 400 } })],
  ['a transaction cancelled by a condition', sdkError('TransactionCanceledException', { CancellationReasons: [{ Code: 'ConditionalCheckFailed' }] })],
  ['a bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
  ['a file that is not there', sdkError('Error', { code: 'ENOENT' })],
];

describe('transient failures', () => {
  it.each(TRANSIENT)('%s is transient: 503 with Retry-After and an error document', (_, error, retryAfter) => {
    expect(isTransient(error)).toBe(true);
    const answer = errorResponse(unavailableIfTransient(error), 'req-1');
    expect(answer.statusCode).toBe(503);
    expect(answer.headers).toMatchObject({ 'retry-after': String(retryAfter), 'content-type': 'application/vnd.api+json' });
    expect(JSON.parse(answer.body as string).errors).toEqual([expect.objectContaining({ status: '503', title: 'Service Unavailable' })]);
  });

  it.each(PERMANENT)('%s is not transient', (_, error) => {
    expect(isTransient(error)).toBe(false);
    expect(unavailableIfTransient(error)).toBe(error);
  });

  it('is a 503 even when it reaches the HTTP layer unclassified; a bug stays a 500', () => {
    expect(errorResponse(TRANSIENT[0]?.[1], 'req-2').statusCode).toBe(503);
    expect(errorResponse(PERMANENT[3]?.[1], 'req-3').statusCode).toBe(500);
    expect(errorResponse(new Conflict('taken'), 'req-4').statusCode).toBe(409);
  });

  it('keeps error names in minified bundles: the state machine retries a task by its error name', async () => {
    const out = await build({
      ...ESBUILD_OPTIONS,
      write: false,
      stdin: {
        contents: "import { Unavailable, NotFound } from './shared/domain/errors'; export const names = [new Unavailable('x').name, new NotFound('y').name];",
        resolveDir: process.cwd(),
        loader: 'ts',
      },
    });
    const file = join(mkdtempSync(join(tmpdir(), 'terrakube-names-')), 'bundle.mjs');
    writeFileSync(file, out.outputFiles[0]?.text ?? '');
    const bundled = (await import(pathToFileURL(file).href)) as { names: string[] };
    expect(bundled.names).toEqual(['Unavailable', 'NotFound']);
  });
});

describe('the run retry policy', () => {
  const quick: RetryPolicy = { intervalSeconds: 0.001, backoffRate: 2, maxDelaySeconds: 0.004, maxAttempts: 5 };

  it('rides a gap of about a minute, two at most, in AWS and locally alike', () => {
    expect(expectedWindowSeconds()).toBeGreaterThanOrEqual(50);
    expect(expectedWindowSeconds()).toBeLessThanOrEqual(70);
    expect(longestWindowSeconds()).toBeLessThanOrEqual(120);
  });

  it('retries transient failures until they pass, within its attempts', async () => {
    let calls = 0;
    const result = await retryTransient(
      'test',
      async () => {
        if (++calls < 4) throw new Unavailable('not yet');
        return 'done';
      },
      quick,
    );
    expect([result, calls]).toEqual(['done', 4]);
    calls = 0;
    await expect(retryTransient('test', async () => Promise.reject(new Unavailable(`attempt ${++calls}`)), quick)).rejects.toThrow('attempt 6');
  });

  it('does not retry what a retry cannot fix', async () => {
    let calls = 0;
    await expect(retryTransient('test', async () => Promise.reject(new Conflict(`attempt ${++calls}`)), quick)).rejects.toThrow('attempt 1');
  });
});
