/**
 * The executor's view of the artifact store: the step context, saved plans. Locally refs are
 * absolute file paths; in AWS they are keys in the artifacts bucket (encrypted by its default SSE).
 * Plan files and contexts hold secrets, so local copies are only readable by their owner.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, mkdir, readFile, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ArtifactRef } from '../shared/runs/executor-contract';

export interface Artifacts {
  /** Copies an artifact to a local file; false when the artifact does not exist. */
  download(ref: ArtifactRef, localPath: string): Promise<boolean>;
  upload(localPath: string, ref: ArtifactRef): Promise<void>;
  /** An artifact's text, or undefined when it does not exist. */
  readText(ref: ArtifactRef): Promise<string | undefined>;
  /**
   * Deletes an artifact; one that does not exist is fine. In a versioned bucket the version read last
   * is deleted for good (a plain delete would keep it, secrets and all, as a noncurrent version).
   */
  remove(ref: ArtifactRef): Promise<void>;
}

const isMissingFile = (error: unknown) => (error as { code?: string }).code === 'ENOENT';
const isMissingObject = (error: unknown) => {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404;
};

/** Writes a stream to a private (0600) file, creating its directory. */
async function writePrivateFile(source: NodeJS.ReadableStream, path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await pipeline(source, createWriteStream(path, { mode: 0o600 }));
  await chmod(path, 0o600); // the mode above only applies when the file is created
}

export function localArtifacts(): Artifacts {
  return {
    async download(ref, localPath) {
      try {
        await stat(ref); // a missing plan must not leave an empty target behind
      } catch (error) {
        if (isMissingFile(error)) return false;
        throw error;
      }
      await writePrivateFile(createReadStream(ref), localPath);
      return true;
    },
    async upload(localPath, ref) {
      await writePrivateFile(createReadStream(localPath), ref);
    },
    async readText(ref) {
      try {
        return await readFile(ref, 'utf8');
      } catch (error) {
        if (isMissingFile(error)) return undefined;
        throw error;
      }
    },
    async remove(ref) {
      await rm(ref, { force: true });
    },
  };
}

export function s3Artifacts(bucket: string, client: Pick<S3Client, 'send'>): Artifacts {
  const versionRead = new Map<ArtifactRef, string>();
  const get = async (ref: ArtifactRef) => {
    try {
      const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: ref }));
      if (object?.VersionId) versionRead.set(ref, object.VersionId);
      return object;
    } catch (error) {
      if (isMissingObject(error)) return undefined;
      throw error;
    }
  };
  return {
    async download(ref, localPath) {
      const object = await get(ref);
      if (!object?.Body) return false;
      await writePrivateFile(object.Body as NodeJS.ReadableStream, localPath);
      return true;
    },
    async upload(localPath, ref) {
      // Read whole: plan files are small, and a stream body would need a known ContentLength.
      const body = await readFile(localPath);
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: ref, Body: body }));
    },
    async readText(ref) {
      const object = await get(ref);
      return object?.Body ? await object.Body.transformToString('utf8') : undefined;
    },
    async remove(ref) {
      const version = versionRead.get(ref);
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: ref, ...(version ? { VersionId: version } : {}) }));
      versionRead.delete(ref);
    },
  };
}
