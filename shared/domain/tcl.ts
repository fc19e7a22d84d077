/**
 * Terrakube Configuration Language: base64 of a YAML `flow:` list (contract §4). Parsed strictly:
 * unknown keys, unsupported flow types or runtimes and duplicate step numbers are errors that name
 * the offending path (e.g. `flow[1].commands[0].runtime`), so a template is rejected when it is
 * saved, not when a job runs it.
 */
import { parseDocument } from 'yaml';
import { FLOW_TYPES, type Command, type Flow, type FlowType } from './flow';

export { FLOW_TYPES, TERRAFORM_FLOW_TYPES, type Command, type Flow, type FlowType } from './flow';

export class TclError extends Error {
  constructor(message: string, readonly path: string) {
    super(path ? `${path}: ${message}` : message);
    this.name = 'TclError';
  }
}

const MAX_YAML_BYTES = 128 * 1024;
const MAX_FLOWS = 50;
const MAX_COMMANDS = 50;
const FLOW_KEYS = new Set(['type', 'name', 'step', 'ignoreError', 'team', 'commands']);
const COMMAND_KEYS = new Set(['runtime', 'priority', 'before', 'after', 'script', 'verbose']);
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function encodeTcl(yamlText: string): string {
  return Buffer.from(yamlText, 'utf8').toString('base64');
}

export function decodeTcl(tcl: string): string {
  const compact = tcl.replace(/\s+/g, '');
  if (compact.length === 0 || compact.length % 4 !== 0 || !BASE64.test(compact)) {
    throw new TclError('is not valid base64', '');
  }
  const bytes = Buffer.from(compact, 'base64');
  if (bytes.length > MAX_YAML_BYTES) throw new TclError(`the YAML exceeds ${MAX_YAML_BYTES} bytes`, '');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new TclError('the decoded text is not UTF-8', '');
  }
}

/** Parses and validates base64 TCL into flows sorted by step. */
export function parseTcl(tcl: string): Flow[] {
  const text = decodeTcl(tcl);
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false, strict: true });
  if (doc.errors.length > 0) throw new TclError(`invalid YAML: ${doc.errors[0]?.message.split('\n')[0]}`, '');
  let root: unknown;
  try {
    root = doc.toJS({ maxAliasCount: 50 });
  } catch (e) {
    throw new TclError(`invalid YAML: ${(e as Error).message}`, '');
  }
  if (!isMap(root)) throw new TclError("the YAML must be a mapping with a 'flow' list", '');
  for (const key of Object.keys(root)) if (key !== 'flow') throw new TclError(`unknown key '${key}'`, '');
  const flows = root.flow;
  if (!Array.isArray(flows) || flows.length === 0) throw new TclError('must be a non-empty list', 'flow');
  if (flows.length > MAX_FLOWS) throw new TclError(`at most ${MAX_FLOWS} steps are supported`, 'flow');

  const parsed = flows.map((f, i) => parseFlow(f, `flow[${i}]`));
  const seen = new Map<number, number>();
  parsed.forEach((f, i) => {
    const first = seen.get(f.step);
    if (first !== undefined) throw new TclError(`duplicate step number ${f.step} (also flow[${first}])`, `flow[${i}].step`);
    seen.set(f.step, i);
  });
  return parsed.sort((a, b) => a.step - b.step);
}

function parseFlow(raw: unknown, at: string): Flow {
  if (!isMap(raw)) throw new TclError('must be a mapping', at);
  for (const key of Object.keys(raw)) if (!FLOW_KEYS.has(key)) throw new TclError(`unknown key '${key}'`, at);
  const type = raw.type;
  if (typeof type !== 'string') throw new TclError('is required', `${at}.type`);
  if (!(FLOW_TYPES as readonly string[]).includes(type)) {
    throw new TclError(`unsupported flow type '${type}' (supported: ${FLOW_TYPES.join(', ')})`, `${at}.type`);
  }
  const step = raw.step;
  if (!Number.isInteger(step) || (step as number) < 1 || (step as number) > 1_000_000) {
    throw new TclError('must be an integer between 1 and 1000000', `${at}.step`);
  }
  const name = raw.name ?? `Step ${step}`;
  if (typeof name !== 'string' || name.length === 0 || name.length > 128) throw new TclError('must be a string of 1 to 128 characters', `${at}.name`);
  const ignoreError = raw.ignoreError ?? false;
  if (typeof ignoreError !== 'boolean') throw new TclError('must be true or false', `${at}.ignoreError`);

  const flow: Flow = { type: type as FlowType, name, step: step as number, ignoreError, commands: [] };
  if (type === 'approval') {
    if (typeof raw.team !== 'string' || raw.team.trim() === '') throw new TclError('an approval step needs the group allowed to approve', `${at}.team`);
    if (raw.commands !== undefined) throw new TclError('approval steps do not run commands', `${at}.commands`);
    flow.team = raw.team.trim();
    return flow;
  }
  if (raw.team !== undefined) throw new TclError('only approval steps have a team', `${at}.team`);
  if (raw.commands !== undefined) {
    if (!Array.isArray(raw.commands)) throw new TclError('must be a list', `${at}.commands`);
    if (raw.commands.length > MAX_COMMANDS) throw new TclError(`at most ${MAX_COMMANDS} commands are supported`, `${at}.commands`);
    flow.commands = raw.commands.map((c, j) => parseCommand(c, `${at}.commands[${j}]`, type === 'customScripts'));
    flow.commands.sort((a, b) => a.priority - b.priority);
  }
  if (type === 'customScripts' && flow.commands.length === 0) throw new TclError('a customScripts step needs commands', `${at}.commands`);
  return flow;
}

function parseCommand(raw: unknown, at: string, isScriptStep: boolean): Command {
  if (!isMap(raw)) throw new TclError('must be a mapping', at);
  for (const key of Object.keys(raw)) if (!COMMAND_KEYS.has(key)) throw new TclError(`unknown key '${key}'`, at);
  const runtime = raw.runtime ?? 'BASH';
  if (runtime !== 'BASH') throw new TclError(`unsupported runtime '${String(runtime)}' (BASH only)`, `${at}.runtime`);
  const priority = raw.priority ?? 100;
  if (!Number.isInteger(priority)) throw new TclError('must be an integer', `${at}.priority`);
  for (const flag of ['before', 'after', 'verbose'] as const) {
    if (raw[flag] !== undefined && typeof raw[flag] !== 'boolean') throw new TclError('must be true or false', `${at}.${flag}`);
  }
  const before = raw.before === true;
  const after = raw.after === true;
  if (!isScriptStep && !before && !after) throw new TclError("set 'before: true' or 'after: true' to say when the command runs", at);
  if (typeof raw.script !== 'string' || raw.script.trim() === '') throw new TclError('is required', `${at}.script`);
  if (raw.script.length > 64 * 1024) throw new TclError('must be at most 65536 characters', `${at}.script`);
  return { runtime: 'BASH', priority: priority as number, before, after, script: raw.script };
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
