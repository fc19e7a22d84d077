/**
 * The executor's S3 side against SDK answers (issue 19 items 3 and 9): a missing key is "absent" only
 * when S3 says so (NoSuchKey/404), never on AccessDenied; in the versioned bucket a rewritten live log
 * deletes each version it superseded, and the step context once read is deleted for good (version and all).
 */
import { describe, expect, it } from 'vitest';
import { s3Artifacts } from '../../executor/artifacts';
import { s3LogSink } from '../../executor/log-sink';

type Sent = { name: string; input: Record<string, unknown> };

/** An S3 client that records each command and answers from `answer` (throw to fail it). */
function fakeS3(answer: (command: Sent) => unknown) {
  const sent: Sent[] = [];
  return {
    sent,
    client: {
      send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
        const entry = { name: command.constructor.name, input: command.input };
        sent.push(entry);
        return answer(entry);
      },
    } as never,
  };
}
const s3Error = (name: string, status: number) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

describe('reads of missing objects', () => {
  it('reads NoSuchKey as absent and AccessDenied as the error it is', async () => {
    const missing = s3Artifacts('b', fakeS3(() => Promise.reject(s3Error('NoSuchKey', 404))).client);
    expect(await missing.readText('plans/o/1/s.tfplan')).toBeUndefined();
    expect(await missing.download('plans/o/1/s.tfplan', '/nonexistent/x')).toBe(false);
    const denied = s3Artifacts('b', fakeS3(() => Promise.reject(s3Error('AccessDenied', 403))).client);
    await expect(denied.readText('plans/o/1/s.tfplan')).rejects.toThrow('AccessDenied');
  });
});

describe('versions in the versioned bucket', () => {
  it('deletes the step context it read by its version, leaving no noncurrent copy of its secrets', async () => {
    const s3 = fakeS3((c) => (c.name === 'GetObjectCommand' ? { VersionId: 'v-ctx', Body: { transformToString: async () => '{}' } } : {}));
    const artifacts = s3Artifacts('b', s3.client);
    await artifacts.readText('runs/o/1/s.json');
    await artifacts.remove('runs/o/1/s.json');
    expect(s3.sent.at(-1)).toEqual({ name: 'DeleteObjectCommand', input: { Bucket: 'b', Key: 'runs/o/1/s.json', VersionId: 'v-ctx' } });
  });

  it('rewrites the live log, deleting each version it superseded, so one version remains', async () => {
    let n = 0;
    const s3 = fakeS3((c) => (c.name === 'PutObjectCommand' ? { VersionId: `v${++n}` } : {}));
    const sink = s3LogSink({ bucket: 'b', key: 'logs/o/1/s.log', client: s3.client, secrets: [], intervalMs: 60_000 });
    for (const text of ['one\n', 'two\n', 'three\n']) {
      sink.write(text);
      await sink.flush();
    }
    await sink.close(); // nothing new: no rewrite
    expect(s3.sent.map((c) => `${c.name.replace('ObjectCommand', '')} ${c.input.VersionId ?? ''}`.trim())).toEqual(['Put', 'Put', 'Delete v1', 'Put', 'Delete v2']);
  });
});
