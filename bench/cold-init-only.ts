/**
 * `npm run bench:cold-init`: only the bench's bundles-and-cold-init phase (bench/cold-init.ts, exactly as
 * `npm run bench` runs it), printed, not written: for checking a bundle change in a minute instead of
 * the whole bench. COLD_INIT_RUNS sets the imports per bundle (default 9, as the bench).
 */
import { measureColdInit } from './cold-init';
import { median, round } from './stats';

const runs = Number(process.env.COLD_INIT_RUNS ?? 9);
const log = (line: string) => process.stdout.write(`${line}\n`);

const result = await measureColdInit(runs, log);
const byInit = [...result.bundles].sort((a, b) => b.initMs - a.initMs);
const byKb = [...result.bundles].sort((a, b) => b.kb - a.kb);
log(
  `coldInitMs: max ${round(result.maxInitMs)} (${result.maxInitEntry}), median ${round(median(result.bundles.map((b) => b.initMs)))}; CPU max ${round(result.maxInitCpuMs)}; empty import ${round(result.emptyImportMs, 2)}, node boot ${round(result.nodeBootMs)}`,
);
log(
  `bundleKb: max ${round(result.maxKb)} (${result.maxKbEntry}), median ${round(median(result.bundles.map((b) => b.kb)))}; source map max ${round(Math.max(...result.bundles.map((b) => b.mapKb)))}`,
);
log('slowest to initialise:');
for (const b of byInit.slice(0, 8))
  log(`  ${round(b.initMs).toString().padStart(6)} ms (CPU ${round(b.initCpuMs)})  ${round(b.kb).toString().padStart(7)} KB  ${b.entry}`);
log('largest:');
for (const b of byKb.slice(0, 5)) log(`  ${round(b.kb).toString().padStart(7)} KB  ${b.entry}`);
if (process.env.COLD_INIT_JSON) {
  const { writeFileSync } = await import('node:fs');
  writeFileSync(
    process.env.COLD_INIT_JSON,
    `${JSON.stringify(Object.fromEntries(result.bundles.map((b) => [b.entry, { initMs: round(b.initMs), cpuMs: round(b.initCpuMs), kb: round(b.kb) }])))}\n`,
  );
}
