/**
 * What a terraform step does around its command: the run's -var values, the workspace's
 * current state version brought into the backend, the new state saved as the next version, and the
 * resource counts of terraform's summary line.
 */
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ResourceCounts } from '../shared/domain/records';
import type { ArtifactRef, ExecutorContext, ObjectGrant, StateWritten } from '../shared/runs/executor-contract';
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

async function readState(artifacts: Artifacts, ref: ArtifactRef, into: string): Promise<StateFile | undefined> {
  if (!(await artifacts.download(ref, into))) return undefined;
  const bytes = await readFile(into);
  if (bytes.length === 0) return undefined;
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

/**
 * Brings the current state version into the backend when the backend's state is missing, of another
 * lineage or older (a state the CLI pushed, or applied locally). A newer backend state of the same
 * lineage stays: it is what a cancelled apply left, which this step then saves as a version.
 * Answers why it replaced the backend's state, or undefined when it did not.
 */
export async function seedState(artifacts: Artifacts, stateIn: NonNullable<ExecutorContext['stateIn']>, backend: ObjectGrant, scratch: string): Promise<string | undefined> {
  const current = await readState(artifacts, backend.get, join(scratch, 'backend.tfstate'));
  if (current?.md5 === stateIn.md5) return undefined;
  const wanted = await readState(artifacts, stateIn.ref, join(scratch, 'current.tfstate'));
  if (!wanted) return undefined;
  let reason: string | undefined;
  if (!current) reason = 'no state in the backend';
  else if (current.lineage !== wanted.lineage) reason = `lineage ${current.lineage} replaced by ${wanted.lineage}`;
  else if (current.serial < wanted.serial) reason = `serial ${current.serial} superseded by ${wanted.serial}`;
  if (!reason) return undefined;
  await artifacts.upload(join(scratch, 'current.tfstate'), backend.put);
  return reason;
}

/** Saves the backend's state and its outputs as the next state version when it differs from the one the step started from. */
export async function saveState(
  artifacts: Artifacts,
  backend: ObjectGrant,
  startedFrom: string | undefined,
  stateOut: NonNullable<ExecutorContext['stateOut']>,
  scratch: string,
): Promise<StateWritten | undefined> {
  const file = join(scratch, 'after.tfstate');
  const state = await readState(artifacts, backend.get, file);
  if (!state || state.md5 === startedFrom) return undefined;
  const outputs = join(scratch, 'outputs.json');
  await writeFile(outputs, JSON.stringify(state.outputs), { mode: 0o600 });
  await artifacts.upload(outputs, stateOut.outputs);
  await artifacts.upload(file, stateOut.state);
  return { serial: state.serial, lineage: state.lineage, md5: state.md5, size: state.bytes.length, terraformVersion: state.terraformVersion };
}
