/**
 * A workspace's state history. Every apply or destroy of a run that changed the state adds a version
 * and makes it current (recordRunState, from the Advance task); the terraform CLI adds versions too
 * (local execution, `state push`): it creates one, PUTs the state to the version's upload URL, and the
 * version becomes current once the state arrived and matches what was announced (finalizeUploaded).
 * The current version is what the next run's executor starts from (executor-context.ts `stateIn`).
 */
import { Conflict, Invalid, attribute } from '../domain/errors';
import type { JobRecord } from '../domain/records';
import {
  MAX_STATE_BYTES,
  checkStateSuccession,
  outputsOf,
  stateVersionId,
  type NewState,
  type StateHeadRecord,
  type StateOutput,
  type StateVersionRecord,
} from '../domain/versions';
import { logger } from '../logger';
import type { StateWritten } from '../runs/executor-contract';
import { artifactPaths } from '../runs/artifact-paths';
import { RUNNER_IDENTITY } from '../runs/run-state';
import { commit, ConditionFailed, type TxItem } from '../store/repositories/batch';
import { getStateHead, getStateVersion, planAddStateVersion, planDiscardStateVersion, planFinalizeStateVersion } from '../store/repositories/state-versions';
import { artifactStore } from '../wiring';

const ATTEMPTS = 20;


/** The artifact paths of the version a step writes (the executor saves the state and its outputs there). */
export const runStatePaths = (job: Pick<JobRecord, 'organizationId' | 'workspaceId' | 'id'>, stepId: string) => ({
  state: artifactPaths.stateVersion(job.organizationId, job.workspaceId, `${job.id}-${stepId}`, 'state'),
  outputs: artifactPaths.stateVersion(job.organizationId, job.workspaceId, `${job.id}-${stepId}`, 'outputs'),
});

async function addVersion(
  workspaceId: string,
  build: (head: StateHeadRecord | undefined) => StateVersionRecord | undefined,
  current: boolean,
  headRead?: StateHeadRecord | null,
): Promise<StateVersionRecord | undefined> {
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    // The head the caller read beside its own reads, for the first attempt (the write's condition checks it).
    const head = attempt === 1 && headRead !== undefined ? (headRead ?? undefined) : await getStateHead(workspaceId);
    const version = build(head);
    if (!version) return undefined;
    try {
      await commit(planAddStateVersion(head, version, current));
      return version;
    } catch (error) {
      if (!(error instanceof ConditionFailed) || error.index !== 0) throw error;
    }
  }
  throw new Conflict('the workspace state changed too often while a version was being added; retry');
}

/** The identity of the version that follows `head` in the workspace's sequence. */
function nextVersionOf(workspace: { id: string; organizationId: string }, head: StateHeadRecord | undefined) {
  const sequence = (head?.lastSequence ?? 0) + 1;
  return { id: stateVersionId(workspace.id, sequence), sequence, organizationId: workspace.organizationId, workspaceId: workspace.id };
}

/** The version a run's step adds (undefined when that step's state is already the current version). */
function runStateVersion(job: JobRecord, stepId: string, written: StateWritten, head: StateHeadRecord | undefined): StateVersionRecord | undefined {
  const paths = runStatePaths(job, stepId);
  const now = new Date().toISOString();
  if (head?.current?.state === paths.state) return undefined; // already recorded by an earlier attempt
  return {
    ...nextVersionOf({ id: job.workspaceId, organizationId: job.organizationId }, head),
    serial: written.serial,
    lineage: written.lineage,
    md5: written.md5,
    status: 'finalized',
    state: paths.state,
    outputs: paths.outputs,
    size: written.size,
    terraformVersion: written.terraformVersion,
    jobId: job.id,
    createdBy: RUNNER_IDENTITY,
    createdDate: now,
    finalizedDate: now,
  };
}

/**
 * The state an apply or destroy step saved becomes the workspace's current version (once, however often
 * Advance retries). `head`: the workspace's state head as just read (null: it has none), saving a read.
 */
export async function recordRunState(job: JobRecord, stepId: string, written: StateWritten, head?: StateHeadRecord | null): Promise<StateVersionRecord | undefined> {
  return addVersion(job.workspaceId, (h) => runStateVersion(job, stepId, written, h), true, head);
}

/** The head the run's version was planned against moved (another version came first): record it on its own. */
export class StateHeadMoved extends Error {
  constructor() {
    super('the workspace state head moved');
    this.name = 'StateHeadMoved';
  }
}

/**
 * The writes that record a run's state version, for a transaction of the caller's (the job's end): none
 * when it is recorded already. A head that moved meanwhile fails the transaction with StateHeadMoved.
 */
export function planRunStateVersion(job: JobRecord, stepId: string, written: StateWritten, head: StateHeadRecord | null): TxItem[] {
  const version = runStateVersion(job, stepId, written, head ?? undefined);
  return version ? planAddStateVersion(head ?? undefined, version, true).map((item) => ({ ...item, onConditionFailed: () => new StateHeadMoved() })) : [];
}

export interface StateUpload extends NewState {
  /** The CLI's json-state-outputs: base64 of {name: {value, type, sensitive}}. */
  jsonStateOutputs?: string;
  terraformVersion: string | null;
}

/** A version the CLI will upload: checked against the current state, pending until its state arrives. */
export async function createUploadedStateVersion(workspace: { id: string; organizationId: string }, upload: StateUpload, by: string): Promise<StateVersionRecord> {
  const name = crypto.randomUUID();
  const part = (p: 'state' | 'json' | 'outputs') => artifactPaths.stateVersion(workspace.organizationId, workspace.id, name, p);
  let outputs: string | undefined;
  if (upload.jsonStateOutputs !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(upload.jsonStateOutputs, 'base64').toString('utf8'));
    } catch {
      throw new Invalid('json-state-outputs must be base64 of a JSON object', attribute('json-state-outputs'));
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Invalid('json-state-outputs must be base64 of a JSON object', attribute('json-state-outputs'));
    outputs = part('outputs');
    await artifactStore().writeSecret(artifactStore().ref(outputs), JSON.stringify(parsed));
  }
  const now = new Date().toISOString();
  const version = await addVersion(
    workspace.id,
    (head) => {
      checkStateSuccession(head?.current, upload);
      return {
        ...nextVersionOf(workspace, head),
        serial: upload.serial,
        lineage: upload.lineage,
        md5: upload.md5,
        status: 'pending',
        state: part('state'),
        jsonState: part('json'),
        ...(outputs ? { outputs } : {}),
        terraformVersion: upload.terraformVersion,
        ...(head?.current ? { basedOn: head.current.sequence } : {}),
        createdBy: by,
        createdDate: now,
      };
    },
    false,
  );
  return version as StateVersionRecord;
}

async function discard(version: StateVersionRecord, reason: string): Promise<never> {
  await commit([planDiscardStateVersion(version)]).catch((error) => {
    if (!(error instanceof ConditionFailed)) throw error;
  });
  logger.info('uploaded state version discarded', { workspaceId: version.workspaceId, sequence: version.sequence, reason });
  throw new Conflict(reason);
}

/**
 * A pending version whose state has arrived becomes current, if it is what was announced (size, MD5)
 * and still follows the current state. Not arrived yet: it stays pending. Answers the version as it is now.
 */
export async function finalizeUploaded(version: StateVersionRecord): Promise<StateVersionRecord> {
  if (version.status !== 'pending') return version;
  const info = await artifactStore().stat(artifactStore().ref(version.state));
  if (!info) return version;
  if (info.size > MAX_STATE_BYTES) await discard(version, `the uploaded state (${info.size} bytes) exceeds the limit of ${MAX_STATE_BYTES} bytes`);
  if (info.md5 && info.md5 !== version.md5) await discard(version, `the uploaded state does not match the announced md5 ${version.md5}`);
  const head = await getStateHead(version.workspaceId);
  // Checked against the current version when it was created; anything current since invalidates it.
  if (head?.current?.sequence !== version.basedOn) await discard(version, 'the workspace state changed while this state was uploaded; read it again and retry');
  const finalized: StateVersionRecord = { ...version, status: 'finalized', size: info.size, finalizedDate: new Date().toISOString() };
  try {
    await commit(planFinalizeStateVersion(version, finalized, version.basedOn));
    return finalized;
  } catch (error) {
    if (!(error instanceof ConditionFailed)) throw error;
    if (error.index === 0) return (await getStateVersion(version.workspaceId, version.sequence)) ?? version;
    return discard(version, 'the workspace state changed while this state was uploaded; read it again and retry');
  }
}

/** A version's outputs, by name (none when they are not known). */
export async function readOutputs(version: StateVersionRecord): Promise<StateOutput[]> {
  if (!version.outputs) return [];
  const text = await artifactStore().readText(artifactStore().ref(version.outputs));
  if (text === undefined) return [];
  try {
    return outputsOf(JSON.parse(text));
  } catch {
    return [];
  }
}
