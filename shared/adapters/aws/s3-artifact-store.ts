/** Artifacts in AWS: objects in the artifacts bucket, keyed as artifactPaths says. The S3 client loads on first use. */
import type { S3Client } from '@aws-sdk/client-s3';
import type { ArtifactStore } from '../../ports/artifact-store';
import { JOB_ARTIFACT_KINDS, artifactPaths } from '../../runs/artifact-paths';
import { parseLock, S3_LOCK_SUFFIX } from '../../runs/state-lock';
import { classifyTransientErrors } from './transient';
import { traced } from '../../observability/powertools';

type S3Sdk = typeof import('./sdk/s3');

/** How long a link to a large log stays valid (it is made for the request that asked, and followed at once). */
const LOG_LINK_SECONDS = 300;
const errorName = (error: unknown) => (error as { name?: string }).name;
const status = (error: unknown) => (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
const isMissing = (error: unknown) => errorName(error) === 'NoSuchKey' || errorName(error) === 'NotFound' || status(error) === 404;

export function s3ArtifactStore(bucket: string, region: string): ArtifactStore {
  let loaded: Promise<{ s3: S3Sdk; client: S3Client }> | undefined;
  const sdk = () => (loaded ??= import('./sdk/s3').then((s3) => ({ s3, client: classifyTransientErrors(traced(new s3.S3Client({ region }))) })));
  // Presigned URLs are signed with a client that adds no checksum of its own: one computed over the
  // empty body at signing time would make S3 refuse the client's real upload.
  let presigning: Promise<{ s3: S3Sdk; client: S3Client; sign: S3Sdk['getSignedUrl'] }> | undefined;
  const presigner = () =>
    (presigning ??= import('./sdk/s3').then((s3) => ({
      s3,
      client: new s3.S3Client({ region, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' }),
      sign: s3.getSignedUrl,
    })));
  return {
    contextRef: artifactPaths.context,
    planRef: artifactPaths.plan,
    logRef: artifactPaths.log,
    ref: (path) => path,
    stateRef: artifactPaths.state,
    stopRef: artifactPaths.stop,
    providerCacheRef: artifactPaths.providers,
    async requestStop(org, job) {
      const { s3, client } = await sdk();
      await client.send(new s3.PutObjectCommand({ Bucket: bucket, Key: artifactPaths.stop(org, job), Body: '' }));
    },
    async forceUnlockState(org, ws) {
      const { s3, client } = await sdk();
      const Key = `${artifactPaths.state(org, ws)}${S3_LOCK_SUFFIX}`;
      let text: string | undefined;
      try {
        text = await (await client.send(new s3.GetObjectCommand({ Bucket: bucket, Key }))).Body?.transformToString('utf8');
      } catch (error) {
        if ((error as { name?: string }).name === 'NoSuchKey') return undefined;
        throw error;
      }
      await client.send(new s3.DeleteObjectCommand({ Bucket: bucket, Key }));
      return parseLock(text);
    },
    async writeSecret(ref, text) {
      const { s3, client } = await sdk();
      const put = await client.send(new s3.PutObjectCommand({ Bucket: bucket, Key: ref, Body: text, ContentType: 'application/json' }));
      return put.VersionId ? { version: put.VersionId } : {};
    },
    async readText(ref) {
      const { s3, client } = await sdk();
      try {
        const res = await client.send(new s3.GetObjectCommand({ Bucket: bucket, Key: ref }));
        return await res.Body?.transformToString('utf8');
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
    },
    async readLog(ref, maxBytes) {
      const { s3, client } = await sdk();
      let res;
      try {
        // One request either way: the first maxBytes, and the object's size in Content-Range.
        res = await client.send(new s3.GetObjectCommand({ Bucket: bucket, Key: ref, Range: `bytes=0-${maxBytes - 1}` }));
      } catch (error) {
        const name = (error as { name?: string }).name;
        if (name === 'NoSuchKey') return undefined;
        if (name === 'InvalidRange') return { text: '' }; // an empty object has no byte 0
        throw error;
      }
      const size = Number(/\/(\d+)$/.exec(res.ContentRange ?? '')?.[1] ?? res.ContentLength ?? 0);
      if (size <= maxBytes) return { text: (await res.Body?.transformToString('utf8')) ?? '' };
      await res.Body?.transformToByteArray().catch(() => undefined); // release the connection
      const asText = new s3.GetObjectCommand({ Bucket: bucket, Key: ref, ResponseContentType: 'text/plain; charset=utf-8' });
      const link = await s3.getSignedUrl(client, asText, { expiresIn: LOG_LINK_SECONDS });
      return { link };
    },
    async readFrom(ref, offset, maxBytes) {
      const { s3, client } = await sdk();
      try {
        const res = await client.send(new s3.GetObjectCommand({ Bucket: bucket, Key: ref, Range: `bytes=${offset}-${offset + maxBytes - 1}` }));
        return Buffer.from((await res.Body?.transformToByteArray()) ?? []);
      } catch (error) {
        const name = (error as { name?: string }).name;
        if (name === 'NoSuchKey') return undefined;
        // The offset is at (or past) the end of the object: nothing new yet.
        if (name === 'InvalidRange' || (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 416) return Buffer.alloc(0);
        throw error;
      }
    },
    async readRange(ref, start, end) {
      if (end <= start) return { bytes: Buffer.alloc(0) };
      const { s3, client } = await sdk();
      try {
        const res = await client.send(new s3.GetObjectCommand({ Bucket: bucket, Key: ref, Range: `bytes=${start}-${end - 1}` }));
        const bytes = Buffer.from((await res.Body?.transformToByteArray()) ?? []);
        const total = /\/(\d+)$/.exec(res.ContentRange ?? '')?.[1];
        return { bytes, size: total !== undefined ? Number(total) : undefined };
      } catch (error) {
        // Missing, or a range past the end (416: nothing there, which includes an empty object).
        if (isMissing(error) || errorName(error) === 'InvalidRange' || status(error) === 416) return { bytes: Buffer.alloc(0) };
        throw error;
      }
    },
    async stat(ref) {
      const { s3, client } = await sdk();
      try {
        const res = await client.send(new s3.HeadObjectCommand({ Bucket: bucket, Key: ref }));
        // A single-part upload's ETag is its MD5 under SSE-S3, the bucket's encryption.
        const etag = (res.ETag ?? '').replace(/"/g, '');
        return { size: res.ContentLength ?? 0, ...(/^[0-9a-f]{32}$/.test(etag) ? { md5: etag } : {}) };
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
    },
    async uploadUrl(ref, { expiresInSeconds }) {
      const { s3, client, sign } = await presigner();
      return sign(client, new s3.PutObjectCommand({ Bucket: bucket, Key: ref }), { expiresIn: expiresInSeconds });
    },
    async downloadUrl(ref, { expiresInSeconds }) {
      const { s3, client, sign } = await presigner();
      return sign(client, new s3.GetObjectCommand({ Bucket: bucket, Key: ref }), { expiresIn: expiresInSeconds });
    },
    async deleteUrl(ref, { expiresInSeconds, version }) {
      const { s3, client, sign } = await presigner();
      return sign(client, new s3.DeleteObjectCommand({ Bucket: bucket, Key: ref, ...(version ? { VersionId: version } : {}) }), { expiresIn: expiresInSeconds });
    },
    async removeJob(org, job) {
      const { s3, client } = await sdk();
      for (const kind of JOB_ARTIFACT_KINDS) {
        let token: string | undefined;
        do {
          const listed = await client.send(
            new s3.ListObjectsV2Command({ Bucket: bucket, Prefix: `${artifactPaths.job(kind, org, job)}/`, ContinuationToken: token }),
          );
          const objects = (listed.Contents ?? []).map((o) => ({ Key: o.Key as string }));
          if (objects.length) await client.send(new s3.DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects, Quiet: true } }));
          token = listed.NextContinuationToken;
        } while (token);
      }
    },
  };
}
