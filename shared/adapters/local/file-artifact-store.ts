/** Artifacts locally: files under the data dir, laid out as artifactPaths says (contexts readable by this user only). */
import { watch } from 'node:fs';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { ArtifactStore } from '../../ports/artifact-store';
import { JOB_ARTIFACT_KINDS, artifactPaths } from '../../runs/artifact-paths';
import { localLockInfo, parseLock } from '../../runs/state-lock';
import { signObjectUrl } from './object-urls';

const missing = (error: unknown) => (error as { code?: string }).code === 'ENOENT';

async function readText(ref: string): Promise<string | undefined> {
  try {
    return await readFile(ref, 'utf8');
  } catch (error) {
    if (missing(error)) return undefined;
    throw error;
  }
}

async function md5Of(path: string): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** `secret` signs the object URLs `npm start` serves (local/objects.ts). */
export function fileArtifactStore(root: string, secret: string): ArtifactStore {
  const pathOf = (ref: string) => {
    const path = relative(root, ref);
    if (path.startsWith('..') || path.includes(`..${sep}`)) throw new Error(`${ref} is outside the files dir`);
    return path.split(sep).join('/');
  };
  const expiry = (seconds: number) => Math.floor(Date.now() / 1000) + seconds;
  return {
    contextRef: (org, job, step) => join(root, artifactPaths.context(org, job, step)),
    planRef: (org, job, step) => join(root, artifactPaths.plan(org, job, step)),
    logRef: (org, job, step) => join(root, artifactPaths.log(org, job, step)),
    ref: (path) => join(root, path),
    stateRef: (org, ws) => join(root, artifactPaths.state(org, ws)),
    stopRef: (org, job) => join(root, artifactPaths.stop(org, job)),
    providerCacheRef: (org, ws) => join(root, artifactPaths.providers(org, ws)),
    async requestStop(org, job) {
      const ref = join(root, artifactPaths.stop(org, job));
      await mkdir(dirname(ref), { recursive: true, mode: 0o700 });
      await writeFile(ref, '');
    },
    // The local backend's lock is the OS's lock on the state file, which dies with its terraform; what a
    // killed terraform leaves is its lock info, which is removed here.
    async forceUnlockState(org, ws) {
      const info = localLockInfo(join(root, artifactPaths.state(org, ws)));
      const text = await readText(info);
      if (text === undefined) return undefined;
      await rm(info, { force: true });
      return parseLock(text);
    },
    async writeSecret(ref, text) {
      await mkdir(dirname(ref), { recursive: true, mode: 0o700 });
      await writeFile(ref, text, { mode: 0o600 });
      return {};
    },
    readText,
    async readLog(ref) {
      // Served by the local server itself: no response size limit to route around.
      const text = await readText(ref);
      return text === undefined ? undefined : { text };
    },
    async readFrom(ref, offset, maxBytes) {
      let file;
      try {
        file = await open(ref, 'r');
      } catch (error) {
        if ((error as { code?: string }).code === 'ENOENT') return undefined;
        throw error;
      }
      try {
        const buffer = Buffer.alloc(maxBytes);
        const { bytesRead } = await file.read(buffer, 0, maxBytes, offset);
        return buffer.subarray(0, bytesRead);
      } finally {
        await file.close();
      }
    },
    async readRange(ref, start, end) {
      let file;
      try {
        file = await open(ref, 'r');
      } catch (error) {
        if (missing(error)) return { bytes: Buffer.alloc(0), size: 0 };
        throw error;
      }
      try {
        const { size } = await file.stat();
        const length = Math.max(0, Math.min(end, size) - start);
        const bytes = Buffer.alloc(length);
        const { bytesRead } = length > 0 ? await file.read(bytes, 0, length, start) : { bytesRead: 0 };
        return { bytes: bytes.subarray(0, bytesRead), size };
      } finally {
        await file.close();
      }
    },
    watch(ref, onChange) {
      try {
        const watcher = watch(ref, { persistent: false }, () => onChange());
        // A watcher that fails (the file was removed) just stops; the reader still polls.
        watcher.on('error', () => watcher.close());
        return () => watcher.close();
      } catch {
        return undefined;
      }
    },
    async stat(ref) {
      try {
        const info = await stat(ref);
        return { size: info.size, md5: await md5Of(ref) };
      } catch (error) {
        if (missing(error)) return undefined;
        throw error;
      }
    },
    async uploadUrl(ref, { baseUrl, expiresInSeconds, maxBytes }) {
      return signObjectUrl(secret, baseUrl, { method: 'PUT', path: pathOf(ref), expires: expiry(expiresInSeconds), maxBytes });
    },
    async downloadUrl(ref, { baseUrl, expiresInSeconds }) {
      return signObjectUrl(secret, baseUrl, { method: 'GET', path: pathOf(ref), expires: expiry(expiresInSeconds) });
    },
    async deleteUrl(ref, { baseUrl, expiresInSeconds }) {
      return signObjectUrl(secret, baseUrl, { method: 'DELETE', path: pathOf(ref), expires: expiry(expiresInSeconds) });
    },
    async removeJob(org, job) {
      // A step's structured view may land in its folder while it is removed (ENOTEMPTY): tried again, as S3 would simply delete.
      const removal = { recursive: true, force: true, maxRetries: 5, retryDelay: 20 };
      await Promise.all(JOB_ARTIFACT_KINDS.map((kind) => rm(join(root, artifactPaths.job(kind, org, job)), removal)));
    },
  };
}
