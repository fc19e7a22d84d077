/** Artifacts locally: files under the data dir, laid out as artifactPaths says (contexts readable by this user only). */
import { watch } from 'node:fs';
import { mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ArtifactStore } from '../../ports/artifact-store';
import { JOB_ARTIFACT_KINDS, artifactPaths } from '../../runs/artifact-paths';
import { localLockInfo, parseLock } from '../../runs/state-lock';

async function readText(ref: string): Promise<string | undefined> {
  try {
    return await readFile(ref, 'utf8');
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return undefined;
    throw error;
  }
}

export function fileArtifactStore(root: string): ArtifactStore {
  return {
    contextRef: (org, job, step) => join(root, artifactPaths.context(org, job, step)),
    planRef: (org, job, step) => join(root, artifactPaths.plan(org, job, step)),
    logRef: (org, job, step) => join(root, artifactPaths.log(org, job, step)),
    backend: (org, ws) => ({ type: 'local', path: join(root, artifactPaths.state(org, ws)) }),
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
    async removeJob(org, job) {
      await Promise.all(JOB_ARTIFACT_KINDS.map((kind) => rm(join(root, artifactPaths.job(kind, org, job)), { recursive: true, force: true })));
    },
  };
}
