/**
 * Where a run's files live: step contexts (secret, deleted by the executor once read), saved plans,
 * step logs and workspace state. Locally under the data dir; in AWS in the artifacts bucket.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ExecutorContext } from '../../executor/contract';
import { classifyTransientErrors } from '../adapters/aws/transient';

export interface ArtifactStore {
  contextRef(org: string, job: number, step: string): string;
  planRef(org: string, job: number, step: string): string;
  logRef(org: string, job: number, step: string): string;
  backend(org: string, workspace: string): ExecutorContext['backend'];
  writeSecret(ref: string, text: string): Promise<void>;
  /** A log's text so far, or undefined when nothing was written yet. */
  readText(ref: string): Promise<string | undefined>;
  /** Deletes every log, plan and context of a job. */
  removeJob(org: string, job: number): Promise<void>;
}

const jobPrefix = (kind: string, org: string, job: number) => `${kind}/${org}/${job}`;

export function localArtifactStore(root: string): ArtifactStore {
  const path = (...parts: string[]) => join(root, ...parts);
  return {
    contextRef: (org, job, step) => path(jobPrefix('runs', org, job), `${step}.json`),
    planRef: (org, job, step) => path(jobPrefix('plans', org, job), `${step}.tfplan`),
    logRef: (org, job, step) => path(jobPrefix('logs', org, job), `${step}.log`),
    backend: (org, ws) => ({ type: 'local', path: path('state', org, ws, 'terraform.tfstate') }),
    async writeSecret(ref, text) {
      await mkdir(dirname(ref), { recursive: true, mode: 0o700 });
      await writeFile(ref, text, { mode: 0o600 });
    },
    async readText(ref) {
      try {
        return await readFile(ref, 'utf8');
      } catch (error) {
        if ((error as { code?: string }).code === 'ENOENT') return undefined;
        throw error;
      }
    },
    async removeJob(org, job) {
      await Promise.all(['runs', 'plans', 'logs'].map((kind) => rm(path(jobPrefix(kind, org, job)), { recursive: true, force: true })));
    },
  };
}

export function s3ArtifactStore(bucket: string, region: string): ArtifactStore {
  const client = import('@aws-sdk/client-s3').then((s3) => ({ s3, client: classifyTransientErrors(new s3.S3Client({ region })) }));
  return {
    contextRef: (org, job, step) => `${jobPrefix('runs', org, job)}/${step}.json`,
    planRef: (org, job, step) => `${jobPrefix('plans', org, job)}/${step}.tfplan`,
    logRef: (org, job, step) => `${jobPrefix('logs', org, job)}/${step}.log`,
    backend: (org, ws) => ({ type: 's3', bucket, key: `state/${org}/${ws}/terraform.tfstate`, region }),
    async writeSecret(ref, text) {
      const { s3, client: c } = await client;
      await c.send(new s3.PutObjectCommand({ Bucket: bucket, Key: ref, Body: text, ContentType: 'application/json' }));
    },
    async readText(ref) {
      const { s3, client: c } = await client;
      try {
        const res = await c.send(new s3.GetObjectCommand({ Bucket: bucket, Key: ref }));
        return await res.Body?.transformToString('utf8');
      } catch (error) {
        if ((error as { name?: string }).name === 'NoSuchKey') return undefined;
        throw error;
      }
    },
    async removeJob(org, job) {
      const { s3, client: c } = await client;
      for (const kind of ['runs', 'plans', 'logs']) {
        let token: string | undefined;
        do {
          const listed = await c.send(new s3.ListObjectsV2Command({ Bucket: bucket, Prefix: `${jobPrefix(kind, org, job)}/`, ContinuationToken: token }));
          const objects = (listed.Contents ?? []).map((o) => ({ Key: o.Key as string }));
          if (objects.length) await c.send(new s3.DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects, Quiet: true } }));
          token = listed.NextContinuationToken;
        } while (token);
      }
    },
  };
}

let store: ArtifactStore | undefined;

/** The deployment's store: the bucket in AWS (ARTIFACT_BUCKET), the data dir locally (TERRAKUBE_FILES_DIR). */
export function artifactStore(): ArtifactStore {
  if (!store) {
    if (process.env.ARTIFACT_BUCKET) store = s3ArtifactStore(process.env.ARTIFACT_BUCKET, process.env.AWS_REGION ?? 'us-east-1');
    else if (process.env.TERRAKUBE_FILES_DIR) store = localArtifactStore(process.env.TERRAKUBE_FILES_DIR);
    else throw new Error('no artifact store: set ARTIFACT_BUCKET or TERRAKUBE_FILES_DIR');
  }
  return store;
}

export function resetArtifactStore(): void {
  store = undefined;
}
