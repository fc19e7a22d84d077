/**
 * What a terraform step does around its command: the run's -var values, the workspace's
 * current state version brought into the backend, the new state saved as the next version, and the
 * resource counts of terraform's summary line.
 */
import { createHash } from 'node:crypto';
import type { ResourceCounts } from '../shared/domain/records';
import type { ExecutorContext, ObjectGrant, StateWritten } from '../shared/runs/executor-contract';
import type { Artifacts } from './artifacts';

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** An .auto.tfvars of the CLI's -var values: they arrive as HCL literals (`"hi"`, `["a"]`) and go in verbatim. */
export function runVariablesFile(variables: { key: string; value: string }[]): string | undefined {
  const lines = variables.filter((v) => VARIABLE_NAME.test(v.key)).map((v) => `${v.key} = ${v.value}\n`);
  return lines.length ? lines.join('') : undefined;
}

/** The counts of terraform's last summary line: "Plan: 1 to add, …", "No changes.", "Apply complete! Resources: …", "Destroy complete! …". */
export function resourceCounts(output: string): ResourceCounts | undefined {
  const n = (v: string | undefined) => (v === undefined ? 0 : Number(v));
  const plans = [...output.matchAll(/Plan: (?:(\d+) to import, )?(\d+) to add, (\d+) to change, (\d+) to destroy\./g)];
  const applies = [...output.matchAll(/Apply complete! Resources: (?:(\d+) imported, )?(\d+) added, (\d+) changed, (\d+) destroyed\./g)];
  const destroyed = /Destroy complete! Resources: (\d+) destroyed\./.exec(output);
  const last = applies.at(-1) ?? plans.at(-1);
  if (last) return { import: n(last[1]), add: n(last[2]), change: n(last[3]), destroy: n(last[4]) };
  if (destroyed) return { import: 0, add: 0, change: 0, destroy: n(destroyed[1]) };
  if (/No changes\.|Apply complete! Resources: 0 added/.test(output)) return { import: 0, add: 0, change: 0, destroy: 0 };
  return undefined;
}

interface StateFile {
  bytes: Buffer;
  md5: string;
  serial: number;
  lineage: string;
  terraformVersion: string | null;
  outputs: unknown;
}

function parseState(bytes: Buffer | undefined): StateFile | undefined {
  if (!bytes || bytes.length === 0) return undefined;
  let parsed: { serial?: unknown; lineage?: unknown; terraform_version?: unknown; outputs?: unknown };
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
  return {
    bytes,
    md5: createHash('md5').update(bytes).digest('hex'),
    serial: typeof parsed.serial === 'number' ? parsed.serial : 0,
    lineage: typeof parsed.lineage === 'string' ? parsed.lineage : '',
    terraformVersion: typeof parsed.terraform_version === 'string' ? parsed.terraform_version : null,
    outputs: parsed.outputs ?? {},
  };
}

/** The outputs of a state (as `terraform output -json` lists them); none when it has no state. */
export const stateOutputs = (bytes: Buffer): unknown => parseState(bytes)?.outputs ?? {};

export interface Seeded {
  /** Why the backend's state was replaced by the current state version (undefined: it was not). */
  reason?: string;
  /** The backend's state as the step starts (empty when it has none): terraform reads it from the proxy without another request. */
  backend: Buffer;
}

/**
 * Brings the current state version into the backend when the backend's state is missing, of another
 * lineage or older (a state the CLI pushed, or applied locally). A newer backend state of the same
 * lineage stays: it is what a cancelled apply left, which this step then saves as a version.
 */
export async function seedState(artifacts: Artifacts, stateIn: ExecutorContext['stateIn'], backend: ObjectGrant, known?: Buffer): Promise<Seeded> {
  // `known`: the backend's state as the chained step before this one left it (nothing else writes it meanwhile), or as read ahead.
  const held = known ?? (await artifacts.read(backend.get)) ?? Buffer.alloc(0);
  const current = parseState(held);
  if (!stateIn || current?.md5 === stateIn.md5) return { backend: held };
  const wanted = parseState(await artifacts.read(stateIn.ref));
  if (!wanted) return { backend: held };
  let reason: string | undefined;
  if (!current) reason = 'no state in the backend';
  else if (current.lineage !== wanted.lineage) reason = `lineage ${current.lineage} replaced by ${wanted.lineage}`;
  else if (current.serial < wanted.serial) reason = `serial ${current.serial} superseded by ${wanted.serial}`;
  if (!reason) return { backend: held };
  await artifacts.write(backend.put, wanted.bytes, 'application/json');
  return { reason, backend: wanted.bytes };
}

export interface Saved {
  /** The new state version, when the step changed the state. */
  written?: StateWritten;
  /** The outputs of the state the step left (as `terraform output -json` lists them). */
  outputs: unknown;
}

/**
 * Saves the state the step left in the backend (`after`, as the state proxy last stored it) and its
 * outputs as the next state version when it differs from the one the step started from.
 */
export async function saveState(
  artifacts: Artifacts,
  after: Buffer,
  startedFrom: string | undefined,
  stateOut: NonNullable<ExecutorContext['stateOut']>,
): Promise<Saved> {
  const state = parseState(after);
  if (!state) return { outputs: {} };
  if (state.md5 === startedFrom) return { outputs: state.outputs };
  await Promise.all([artifacts.write(stateOut.outputs, JSON.stringify(state.outputs), 'application/json'), artifacts.write(stateOut.state, state.bytes, 'application/json')]);
  return {
    written: { serial: state.serial, lineage: state.lineage, md5: state.md5, size: state.bytes.length, terraformVersion: state.terraformVersion },
    outputs: state.outputs,
  };
}
