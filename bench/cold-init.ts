/**
 * Bundle size and module initialisation of every function, built exactly as CDK builds them
 * (infra/function-bundles.ts: one esbuild call, one minified ESM file per handler with its source
 * map, AWS SDK included), imported with the functions' NODE_OPTIONS (--enable-source-maps).
 *
 * Initialisation: a fresh `node` process records performance.now() around `await import(bundle)`;
 * each bundle runs `runs` times (rounds interleave all bundles, so drift hits all alike), the median
 * is taken, and the median of the same loader importing an empty module is subtracted. This is what
 * Lambda reports as the module part of "Init Duration"; SDK clients are created at the first request,
 * so the first request's client setup and connection are not in it.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SOURCE_MAPS_NODE_OPTIONS } from '../infra/bundling';
import { buildFunctions, HANDLER_FILE, functionEntries as handlerModules } from '../infra/function-bundles';
import * as v from 'valibot';
import { ROLES } from '../shared/env';
import { AUTHORIZER_HANDLER, FALLBACK_HANDLER, ROUTES } from '../shared/routes';
import { WORK } from './env';
import { median } from './stats';

export interface BundleResult {
  /** Handler module, relative to the repository root. */
  entry: string;
  kb: number;
  /** Its source map (shipped beside it, read only when a stack trace is printed or at load with --enable-source-maps). */
  mapKb: number;
  /** The packages (or `project` for this repository's code) that make up the bundle, largest first, KB. */
  inputs: BundleInput[];
  /** Median import time minus the empty module's median, ms. */
  initMs: number;
  rawMedianMs: number;
  /** The same, in CPU time of the importing process (user + system): insensitive to waiting for a core. */
  initCpuMs: number;
}

export interface BundleInput {
  name: string;
  kb: number;
  /** The repository's modules through which the entry reaches this package (shortest import chain). */
  via?: string[];
}

export interface ColdInitResult {
  bundles: BundleResult[];
  emptyImportMs: number;
  /** Median time from process start to the loader's first line (Node's own boot), ms. */
  nodeBootMs: number;
  runs: number;
  maxInitMs: number;
  maxInitCpuMs: number;
  maxInitEntry: string;
  maxKb: number;
  maxKbEntry: string;
  buildMs: number;
}

/** Every handler module under functions/ (routes, authorizer, fallback, runner tasks and event handlers). */
export function functionEntries(): string[] {
  const all = handlerModules();
  const required = new Set([...ROUTES.map((r) => r.handler), AUTHORIZER_HANDLER, FALLBACK_HANDLER]);
  for (const entry of required) if (!all.includes(entry)) throw new Error(`route handler ${entry} is not under functions/`);
  return all.sort();
}

export const packageOf = (path: string): string => {
  const at = path.lastIndexOf('node_modules/');
  if (at < 0) return 'project';
  const parts = path.slice(at + 'node_modules/'.length).split('/');
  return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] ?? 'unknown');
};

/** Breadth-first over the metafile's import graph: the project files from the entry to the first file of `pkg`. */
export function importChain(inputs: Record<string, { imports: { path: string }[] }>, entry: string, pkg: string): string[] | undefined {
  const previous = new Map<string, string | null>([[entry, null]]);
  const queue = [entry];
  while (queue.length) {
    const at = queue.shift() as string;
    if (packageOf(at) === pkg) {
      const chain: string[] = [];
      for (let p = previous.get(at) ?? null; p !== null; p = previous.get(p) ?? null) if (packageOf(p) === 'project') chain.unshift(p);
      return chain;
    }
    for (const next of inputs[at]?.imports ?? []) {
      if (previous.has(next.path) || !inputs[next.path]) continue;
      previous.set(next.path, at);
      queue.push(next.path);
    }
  }
  return undefined;
}

/** Output bytes per npm package (scoped names kept whole); everything outside node_modules is `project`. */
export function byPackage(inputs: Record<string, { bytesInOutput: number }>): { name: string; kb: number }[] {
  const sizes = new Map<string, number>();
  for (const [path, { bytesInOutput }] of Object.entries(inputs)) sizes.set(packageOf(path), (sizes.get(packageOf(path)) ?? 0) + bytesInOutput);
  return [...sizes].map(([name, bytes]) => ({ name, kb: bytes / 1024 })).sort((a, b) => b.kb - a.kb);
}

const LOADER = [
  'const cpu = process.cpuUsage();',
  'const started = performance.now();',
  'await import(process.argv[1]);',
  'const importMs = performance.now() - started;',
  'const used = process.cpuUsage(cpu);',
  'process.stdout.write(JSON.stringify({ importMs, cpuMs: (used.user + used.system) / 1000, bootMs: started }));',
].join('\n');

interface Sample {
  importMs: number;
  cpuMs: number;
  bootMs: number;
}

/**
 * What the stack gives the functions: every variable some role's schema requires (shared/env.ts ROLES,
 * the schemas the stack's function props are typed by), so the list cannot drift from the code. Each
 * function parses its own role's at init; the others are ignored. A value is the first of a few
 * placeholders the variable's schema accepts; a variable none fits stops the bench, naming it.
 */
const PLACEHOLDERS = ['arn:aws:lambda:us-east-1:000000000000:function:bench', '900'];
function functionEnvironment(): Record<string, string> {
  // What the Lambda runtime itself sets: the function loads its Tracer (X-Ray) only inside Lambda.
  const env: Record<string, string> = { AWS_REGION: 'us-east-1', AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x', AWS_LAMBDA_FUNCTION_NAME: 'cold-init-probe' };
  for (const schema of Object.values(ROLES)) {
    for (const [name, entry] of Object.entries(schema.entries)) {
      if (name in env || v.safeParse(entry, undefined).success) continue; // set already, or optional
      const value = PLACEHOLDERS.find((p) => v.safeParse(entry, p).success);
      if (value === undefined) throw new Error(`bench/cold-init.ts has no placeholder that ${name}'s schema accepts`);
      env[name] = value;
    }
  }
  return env;
}
const FUNCTION_ENV = functionEnvironment();

function importOnce(file: string): Sample {
  const res = spawnSync(process.execPath, [SOURCE_MAPS_NODE_OPTIONS, '--no-warnings', '--input-type=module', '-e', LOADER, pathToFileURL(file).href], {
    cwd: WORK,
    env: { PATH: process.env.PATH ?? '', ...FUNCTION_ENV },
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (res.status !== 0) throw new Error(`importing ${file} failed (${res.status}): ${res.stderr}`);
  return JSON.parse(res.stdout) as Sample;
}

export async function measureColdInit(runs: number, log: (s: string) => void): Promise<ColdInitResult> {
  const dir = join(WORK, 'bundles');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const entries = functionEntries();
  const built = performance.now();
  const metafile = buildFunctions(entries, dir);
  const outputs = Object.entries(metafile?.outputs ?? {});
  const files = entries.map((entry) => {
    const [path, output] = outputs.find(([, o]) => o.entryPoint === entry) ?? [];
    if (!path || !output) throw new Error(`esbuild produced no bundle for ${entry}`);
    const inputs = byPackage(output.inputs).map((i) => ({ ...i, via: i.name === 'project' ? undefined : importChain(metafile?.inputs ?? {}, entry, i.name) }));
    return { entry, outfile: join(dir, entry.replace(/\.ts$/, ''), HANDLER_FILE), inputs };
  });
  const buildMs = performance.now() - built;
  const empty = join(dir, 'empty.mjs');
  writeFileSync(empty, 'export {};\n');
  log(`  built ${files.length} bundles in ${Math.round(buildMs)} ms; importing each ${runs}× in a fresh node …`);

  const samples = new Map<string, Sample[]>([[empty, []], ...files.map((f) => [f.outfile, []] as [string, Sample[]])]);
  const boots: number[] = [];
  for (let round = 0; round < runs; round++) {
    for (const file of samples.keys()) {
      const sample = importOnce(file);
      samples.get(file)?.push(sample);
      if (file === empty) boots.push(sample.bootMs);
    }
  }
  const wall = (file: string) => median((samples.get(file) ?? []).map((x) => x.importMs));
  const cpuTime = (file: string) => median((samples.get(file) ?? []).map((x) => x.cpuMs));
  const emptyImportMs = wall(empty);
  const emptyCpuMs = cpuTime(empty);
  const bundles = files.map(({ entry, outfile, inputs }) => {
    const rawMedianMs = wall(outfile);
    return { entry, kb: statSync(outfile).size / 1024, mapKb: statSync(`${outfile}.map`).size / 1024, inputs, rawMedianMs, initMs: rawMedianMs - emptyImportMs, initCpuMs: cpuTime(outfile) - emptyCpuMs };
  });
  const slowest = bundles.reduce((a, b) => (b.initMs > a.initMs ? b : a));
  const largest = bundles.reduce((a, b) => (b.kb > a.kb ? b : a));
  return {
    bundles,
    emptyImportMs,
    nodeBootMs: median(boots),
    runs,
    maxInitMs: slowest.initMs,
    maxInitCpuMs: Math.max(...bundles.map((b) => b.initCpuMs)),
    maxInitEntry: slowest.entry,
    maxKb: largest.kb,
    maxKbEntry: largest.entry,
    buildMs,
  };
}
