/**
 * Port: where a run's files live: step contexts (secret, deleted by the executor once read), saved
 * plans, step logs and workspace state. Adapters: S3 in AWS (adapters/aws/s3-artifact-store.ts), the
 * data dir locally (adapters/local/file-artifact-store.ts).
 */
import type { ArtifactRef, ExecutorContext } from '../runs/executor-contract';

export interface ArtifactStore {
  contextRef(org: string, job: number, step: string): ArtifactRef;
  planRef(org: string, job: number, step: string): ArtifactRef;
  logRef(org: string, job: number, step: string): ArtifactRef;
  backend(org: string, workspace: string): ExecutorContext['backend'];
  writeSecret(ref: ArtifactRef, text: string): Promise<void>;
  /** A log's text so far, or undefined when nothing was written yet. */
  readText(ref: ArtifactRef): Promise<string | undefined>;
  /**
   * A log to serve: its text when it holds at most `maxBytes`, else a short-lived link the client
   * downloads it from directly (a Lambda response holds 6 MB at most); undefined when nothing was written yet.
   */
  readLog(ref: ArtifactRef, maxBytes: number): Promise<{ text: string } | { link: string } | undefined>;
  /** Deletes every log, plan and context of a job. */
  removeJob(org: string, job: number): Promise<void>;
}
