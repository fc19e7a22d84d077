/**
 * What one step may touch, as URLs (issue 20): Advance, which holds the storage rights, mints them just
 * before the step is handed over, one URL per object and method, valid for this step only: a step's
 * timeout plus the time its build may wait to start. They are minted per step, never per job, so an
 * approval wait of days never needs a URL that lives for days. S3 presigned URLs are signed locally
 * (no request per URL); `npm start` signs its own (shared/adapters/local/object-urls.ts).
 *
 * URLs are capabilities: they are never logged (the executor strips them from any error it reports).
 */
import type { ArtifactStore } from '../ports/artifact-store';
import type { ArtifactRef, ObjectGrant } from '../runs/executor-contract';

/** How long a step's build may queue before it starts, and the state machine's margin after its timeout. */
export const GRANT_MARGIN_SECONDS = 900 + 300;
/** The largest object a step may upload through the local store (state, plan, provider cache). S3 allows 5 GB per PUT. */
export const STEP_UPLOAD_MAX_BYTES = 2 * 1024 ** 3;

export interface StepGrants {
  read(ref: ArtifactRef): Promise<ArtifactRef>;
  write(ref: ArtifactRef): Promise<ArtifactRef>;
  readWrite(ref: ArtifactRef): Promise<ObjectGrant>;
  remove(ref: ArtifactRef, version?: string): Promise<ArtifactRef>;
}

/** `baseUrl`: where executors reach the local store's objects (unused by S3). */
export function stepGrants(store: ArtifactStore, baseUrl: string, stepSeconds: number): StepGrants {
  const options = { baseUrl, expiresInSeconds: stepSeconds + GRANT_MARGIN_SECONDS };
  const read = (ref: ArtifactRef) => store.downloadUrl(ref, options);
  const write = (ref: ArtifactRef) => store.uploadUrl(ref, { ...options, maxBytes: STEP_UPLOAD_MAX_BYTES });
  return {
    read,
    write,
    readWrite: async (ref) => ({ get: await read(ref), put: await write(ref) }),
    remove: (ref, version) => store.deleteUrl(ref, { ...options, ...(version ? { version } : {}) }),
  };
}
