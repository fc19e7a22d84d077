/**
 * `npm run bench:composition`: what the largest function bundles are made of, per npm package, from
 * the metafile of the same esbuild call CDK and the bench make (infra/function-bundles.ts). Evidence
 * for a bundle-size change, not a measurement the budgets read; not part of `npm test`.
 *
 *   npm run bench:composition                     # the 5 largest bundles
 *   npm run bench:composition -- --top 10         # more of them
 *   npm run bench:composition -- functions/jobs/post.ts
 *   npm run bench:composition -- --save before.json   # keep the per-bundle composition …
 *   npm run bench:composition -- --compare before.json # … and print the change against it later
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { byPackage, functionEntries, importChain } from './cold-init';
import { buildFunctions } from '../infra/function-bundles';
import { WORK } from './env';

type Composition = Record<string, { kb: number; packages: Record<string, number> }>;

const args = process.argv.slice(2);
const option = (name: string) => {
  const at = args.indexOf(name);
  if (at < 0) return undefined;
  const [value] = args.splice(at, 2).slice(1);
  if (!value) throw new Error(`${name} needs a value`);
  return value;
};
const top = Number(option('--top') ?? 5);
const save = option('--save');
const compare = option('--compare');
const only = args.filter((a) => !a.startsWith('--'));

const dir = join(WORK, 'composition');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const entries = functionEntries();
const metafile = buildFunctions(entries, dir);
if (!metafile) throw new Error('esbuild returned no metafile');

const composition: Composition = {};
const chains = new Map<string, Map<string, string[] | undefined>>();
for (const output of Object.values(metafile.outputs)) {
  if (!output.entryPoint || !entries.includes(output.entryPoint)) continue;
  const packages = byPackage(output.inputs);
  composition[output.entryPoint] = { kb: output.bytes / 1024, packages: Object.fromEntries(packages.map((p) => [p.name, p.kb])) };
  chains.set(
    output.entryPoint,
    new Map(packages.map((p) => [p.name, p.name === 'project' ? undefined : importChain(metafile.inputs, output.entryPoint as string, p.name)])),
  );
}

const before: Composition | undefined = compare && existsSync(compare) ? (JSON.parse(readFileSync(compare, 'utf8')) as Composition) : undefined;
if (compare && !before) throw new Error(`${compare} does not exist`);
const kb = (n: number | undefined) => (n === undefined ? '—' : n.toFixed(1));
const out = (line: string) => process.stdout.write(`${line}\n`);

const shown = only.length
  ? only
  : Object.entries(composition)
      .sort(([, a], [, b]) => b.kb - a.kb)
      .slice(0, top)
      .map(([e]) => e);
for (const entry of shown) {
  const now = composition[entry];
  if (!now) throw new Error(`${entry} is not a function entry`);
  const then = before?.[entry];
  out(`\n${entry}: ${kb(now.kb)} KB${then ? ` (was ${kb(then.kb)} KB)` : ''}`);
  const names = [...new Set([...Object.keys(now.packages), ...Object.keys(then?.packages ?? {})])].sort(
    (a, b) => (now.packages[b] ?? 0) - (now.packages[a] ?? 0) || (then?.packages[b] ?? 0) - (then?.packages[a] ?? 0),
  );
  for (const name of names) {
    const size = now.packages[name];
    const change = then ? `  was ${kb(then.packages[name]).padStart(6)}` : '';
    const via = chains.get(entry)?.get(name);
    out(`  ${kb(size).padStart(7)} KB  ${name.padEnd(40)}${change}${via?.length ? `  via ${via.join(' → ')}` : ''}`);
  }
}

const sizes = Object.values(composition).map((c) => c.kb);
out(
  `\n${sizes.length} bundles: largest ${kb(Math.max(...sizes))} KB, median ${kb(sizes.sort((a, b) => a - b)[Math.floor(sizes.length / 2)])} KB${before ? ` (before: largest ${kb(Math.max(...Object.values(before).map((c) => c.kb)))} KB)` : ''}`,
);
if (save) {
  writeFileSync(save, `${JSON.stringify(composition)}\n`);
  out(`saved the composition of every bundle to ${save}`);
}
