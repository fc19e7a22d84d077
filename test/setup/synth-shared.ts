/**
 * Run by the global setup (`tsx test/setup/synth-shared.ts <dir> <props by name, JSON>`): each shared synth's record as
 * <dir>/<name>.json once its templates are written (renamed into place: a reader never sees half a
 * file), or what failed in <dir>/error.txt.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { synthesize } from '../helpers/cdk';
import type { SharedSynthRecord } from '../helpers/shared-synth';

const [dir, props] = process.argv.slice(2) as [string, string];
try {
  // synthesize() checks what it checks for a file's own synth (a logical id in two templates fails here).
  for (const [name, given] of Object.entries(JSON.parse(props) as Record<string, object>)) {
    const { stack, outdir, templates, nagViolations } = synthesize(given);
    const record: SharedSynthRecord = { stack: { account: stack.account, region: stack.region, artifactId: stack.artifactId }, outdir, files: templates.map((t) => t.file), nagViolations };
    writeFileSync(join(dir, `${name}.tmp`), JSON.stringify(record));
    renameSync(join(dir, `${name}.tmp`), join(dir, `${name}.json`));
  }
} catch (error) {
  writeFileSync(join(dir, 'error.txt'), (error as Error).stack ?? String(error));
  process.exitCode = 1;
}
