/**
 * Port: where a run's files live: step contexts (secret, deleted by the executor once read), saved
 * plans, step logs and workspace state. Adapters: S3 in AWS (adapters/aws/s3-artifact-store.ts), the
 * data dir locally (adapters/local/file-artifact-store.ts).
 */
import type { ArtifactRef, ExecutorContext } from '../runs/executor-contract';

/** Terraform's lock info (the JSON it writes into its lock): who holds the state, since when, doing what. */
export interface StateLock {
  ID: string;
  Operation?: string;
  Info?: string;
  Who?: string;
  Version?: string;
  Created?: string;
  Path?: string;
}

export interface ArtifactStore {
  contextRef(org: string, job: number, step: string): ArtifactRef;
  planRef(org: string, job: number, step: string): ArtifactRef;
  logRef(org: string, job: number, step: string): ArtifactRef;
  backend(org: string, workspace: string): ExecutorContext['backend'];
  /** Where the workspace's provider cache is kept between steps. */
  providerCacheRef(org: string, workspace: string): ArtifactRef;
  /** Where a request to stop a job's running step appears (the executor watches it). */
  stopRef(org: string, job: number): ArtifactRef;
  /** Asks the executor running a step of this job to stop it. */
  requestStop(org: string, job: number): Promise<void>;
  /**
   * Removes a stale state lock of a workspace (one left by a terraform that was killed) and returns
   * what the lock said; undefined when the state is not locked.
   */
  forceUnlockState(org: string, workspace: string): Promise<StateLock | undefined>;
  writeSecret(ref: ArtifactRef, text: string): Promise<void>;
  /** A log's text so far, or undefined when nothing was written yet. */
  readText(ref: ArtifactRef): Promise<string | undefined>;
  /**
   * A log to serve: its text when it holds at most `maxBytes`, else a short-lived link the client
   * downloads it from directly (a Lambda response holds 6 MB at most); undefined when nothing was written yet.
   */
  readLog(ref: ArtifactRef, maxBytes: number): Promise<{ text: string } | { link: string } | undefined>;
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
