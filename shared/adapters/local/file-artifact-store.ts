/** Artifacts locally: files under the data dir, laid out as artifactPaths says (contexts readable by this user only). */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ArtifactStore } from '../../ports/artifact-store';
import { JOB_ARTIFACT_KINDS, artifactPaths } from '../../runs/artifact-paths';

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
    async removeJob(org, job) {
      await Promise.all(JOB_ARTIFACT_KINDS.map((kind) => rm(join(root, artifactPaths.job(kind, org, job)), { recursive: true, force: true })));
    },
  };
}
