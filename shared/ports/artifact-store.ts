/**
 * Port: where a run's files live: step contexts (secret, deleted by the executor once read), saved
 * plans, step logs, workspace state and its versions, and the configurations the terraform CLI
 * uploads. Adapters: S3 in AWS (adapters/aws/s3-artifact-store.ts), the data dir locally
 * (adapters/local/file-artifact-store.ts). Large bodies never pass through the service: clients PUT
 * and GET them at URLs the store hands out (S3 presigned URLs; locally, signed URLs `npm start` serves).
 */
import type { ArtifactRef } from '../runs/executor-contract';

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

export interface ObjectInfo {
  size: number;
  /** Hex MD5 of the content (S3: the ETag of a single-part upload), when the store knows it. */
  md5?: string;
}

export interface UrlOptions {
  /** Scheme and host the client used (the local store serves its URLs there). */
  baseUrl: string;
  expiresInSeconds: number;
}

export interface ArtifactStore {
  contextRef(org: string, job: number, step: string): ArtifactRef;
  planRef(org: string, job: number, step: string): ArtifactRef;
  logRef(org: string, job: number, step: string): ArtifactRef;
  /** The ref of a path of runs/artifact-paths.ts (records keep paths, refs depend on the store). */
  ref(path: string): ArtifactRef;
  /** The workspace's current state (what terraform's backend reads and writes). */
  stateRef(org: string, workspace: string): ArtifactRef;
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
  /** Writes a private object; answers the version written when the store keeps versions (S3). */
  writeSecret(ref: ArtifactRef, text: string): Promise<{ version?: string }>;
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
  /** Bytes [start, end) of an object (fewer at its end, none past it), and its size when the store tells. */
  readRange(ref: ArtifactRef, start: number, end: number): Promise<{ bytes: Buffer; size?: number }>;
  stat(ref: ArtifactRef): Promise<ObjectInfo | undefined>;
  /** Where a client PUTs the object, with no credentials of its own; the local store refuses more than maxBytes. */
  uploadUrl(ref: ArtifactRef, options: UrlOptions & { maxBytes: number }): Promise<string>;
  /** Where a client GETs the object, with no credentials of its own. */
  downloadUrl(ref: ArtifactRef, options: UrlOptions): Promise<string>;
  /** Where a client DELETEs the object (that version for good, when given), with no credentials of its own. */
  deleteUrl(ref: ArtifactRef, options: UrlOptions & { version?: string }): Promise<string>;
  /** Deletes every log, plan and context of a job. */
  removeJob(org: string, job: number): Promise<void>;
}
