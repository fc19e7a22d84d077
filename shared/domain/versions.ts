/**
 * Configuration versions (what the terraform CLI uploads for a run) and state versions (every state a
 * workspace had), and the rules a new state version must follow. Free of I/O: the repositories store
 * these records (store/repositories/configuration-versions.ts, state-versions.ts), shared/state and
 * shared/tfe act on them.
 */
import { Conflict, Invalid, attribute } from './errors';

export const CONFIGURATION_STATUSES = ['pending', 'uploaded', 'errored'] as const;
export type ConfigurationStatus = (typeof CONFIGURATION_STATUSES)[number];

/** An uploaded configuration (a .tar.gz of the CLI's working directory). */
export interface ConfigurationVersionRecord {
  /** TFE id: cv-<workspace>-<key>; the key orders a workspace's versions by creation. */
  id: string;
  key: string;
  organizationId: string;
  workspaceId: string;
  speculative: boolean;
  status: ConfigurationStatus;
  /** Where the archive is (or will be) in the artifact store, relative to its root. */
  archive: string;
  size?: number;
  error?: string;
  createdBy: string;
  createdDate: string;
  uploadedDate?: string;
}

/** The compressed archive's limit (terraform packs the working directory, .terraform/modules included). */
export const MAX_CONFIGURATION_BYTES = 100 * 1024 * 1024;
/** A state file's limit (terraform uploads it whole). */
export const MAX_STATE_BYTES = 256 * 1024 * 1024;

export const STATE_STATUSES = ['pending', 'finalized', 'discarded'] as const;
export type StateStatus = (typeof STATE_STATUSES)[number];

/** One state of a workspace: written by a run's apply, or uploaded by the CLI (local execution, `state push`). */
export interface StateVersionRecord {
  /** TFE id: sv-<workspace>-<sequence>. */
  id: string;
  /** 1, 2, 3 … per workspace (the version's "state-version" number). */
  sequence: number;
  organizationId: string;
  workspaceId: string;
  serial: number;
  lineage: string;
  /** Hex MD5 of the raw state bytes. */
  md5: string;
  status: StateStatus;
  /** The raw state file in the artifact store. */
  state: string;
  /** The JSON rendering (`terraform show -json`) the CLI uploads beside it, when it did. */
  jsonState?: string;
  /** The root module outputs ({name: {value, type, sensitive}}), when known. */
  outputs?: string;
  size?: number;
  terraformVersion: string | null;
  /** Uploads: the sequence of the version that was current when this one was created (it must still be, to become current). */
  basedOn?: number;
  /** The job whose apply wrote it (absent for uploads). */
  jobId?: number;
  createdBy: string;
  createdDate: string;
  finalizedDate?: string;
}

/** The workspace's current state version (a copy of it), and the last sequence number handed out. */
export interface StateHeadRecord {
  workspaceId: string;
  lastSequence: number;
  current?: StateVersionRecord;
}

export interface NewState {
  serial: number;
  lineage: string;
  md5: string;
  force: boolean;
}

/**
 * Whether a new state may follow the current one: same lineage and a newer serial (or the same serial
 * with the same content), unless forced. Any state may follow none: `state push` into an empty
 * workspace brings a fresh lineage.
 */
export function checkStateSuccession(current: Pick<StateVersionRecord, 'serial' | 'lineage' | 'md5'> | undefined, next: NewState): void {
  if (!Number.isSafeInteger(next.serial) || next.serial < 0) throw new Invalid('serial must be a whole number', attribute('serial'));
  if (!/^[0-9a-f]{32}$/.test(next.md5)) throw new Invalid('md5 must be the hex MD5 of the state', attribute('md5'));
  if (!current || next.force) return;
  if (next.lineage && current.lineage && next.lineage !== current.lineage) {
    throw new Conflict(`the state's lineage ${next.lineage} differs from the current state's (${current.lineage}); push with -force to replace it`, attribute('lineage'));
  }
  if (next.serial < current.serial) {
    throw new Conflict(`serial ${next.serial} is older than the current state's serial ${current.serial}`, attribute('serial'));
  }
  if (next.serial === current.serial && next.md5 !== current.md5) {
    throw new Conflict(`a different state with serial ${next.serial} is already current`, attribute('serial'));
  }
}

/** TFE ids carry the workspace, so a version is read by key alone: sv-<workspace>-<sequence>, cv-<workspace>-<key>. */
export const stateVersionId = (workspaceId: string, sequence: number) => `sv-${workspaceId}-${sequence}`;
export const configurationVersionId = (workspaceId: string, key: string) => `cv-${workspaceId}-${key}`;

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

export function parseStateVersionId(id: string): { workspaceId: string; sequence: number } | undefined {
  const m = new RegExp(`^sv-(${UUID})-([1-9][0-9]{0,9})$`).exec(id);
  return m ? { workspaceId: m[1] as string, sequence: Number(m[2]) } : undefined;
}

export function parseConfigurationVersionId(id: string): { workspaceId: string; key: string } | undefined {
  const m = new RegExp(`^cv-(${UUID})-([0-9a-z]{20})$`).exec(id);
  return m ? { workspaceId: m[1] as string, key: m[2] as string } : undefined;
}

/** A key that sorts by creation time: 9 base-36 digits of milliseconds, then 11 random ones. */
export function newConfigurationKey(now = Date.now()): string {
  const random = [...crypto.getRandomValues(new Uint8Array(11))].map((b) => (b % 36).toString(36)).join('');
  return `${now.toString(36).padStart(9, '0')}${random}`;
}

/** One root module output of a state, as terraform writes it (`type` is the cty type in JSON). */
export interface StateOutput {
  name: string;
  value: unknown;
  type: unknown;
  sensitive: boolean;
}

/** Outputs as a state file's `outputs` (or the CLI's json-state-outputs) hold them, by name. */
export function outputsOf(json: unknown): StateOutput[] {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return [];
  return Object.entries(json as Record<string, { value?: unknown; type?: unknown; sensitive?: unknown }>)
    .filter(([, o]) => typeof o === 'object' && o !== null)
    .map(([name, o]) => ({ name, value: o.value ?? null, type: o.type ?? null, sensitive: o.sensitive === true }))
    .sort((a, b) => a.name.localeCompare(b.name));
}
