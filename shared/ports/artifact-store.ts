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
   * A log's bytes from `offset` on, at most `maxBytes` of them (empty when nothing new was written),
   * or undefined when nothing was written yet. Logs only grow, so an offset stays valid.
   */
  readFrom(ref: ArtifactRef, offset: number, maxBytes: number): Promise<Buffer | undefined>;
  /**
   * Calls `onChange` whenever the log changes, until the returned function is called; undefined when
   * the log does not exist yet or the store cannot tell (S3: a reader polls).
   */
  watch?(ref: ArtifactRef, onChange: () => void): (() => void) | undefined;
  /** Deletes every log, plan and context of a job. */
  removeJob(org: string, job: number): Promise<void>;
}
