/** What the tests' stand-ins for CodeBuild share: one build as a child process, its end, and what it exported. */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Waits for a build's process, kept in `running` meanwhile (so a stop can kill it): its exit code and the end of its stderr. */
export async function awaitBuild(child: ChildProcess, running: Set<ChildProcess>): Promise<{ code: number | null; stderr: string }> {
  running.add(child);
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  const code = await new Promise<number | null>((ok) => child.once('close', ok));
  running.delete(child);
  return { code, stderr };
}

/** What a failed build makes the Execute task fail with. */
export const buildFailed = (what: string, code: number | null, stderr: string) =>
  Object.assign(new Error(`${what} failed (exit ${code}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`), { name: 'States.TaskFailed' });

/** The variables the build exported: its last command writes them NUL-separated into `.exported` in `dir`. */
export function exportedVariables(dir: string): { Name: string; Value: string }[] {
  const pairs = readFileSync(join(dir, '.exported'), 'utf8').split('\0').filter(Boolean);
  return pairs.map((pair) => ({ Name: pair.slice(0, pair.indexOf('=')), Value: pair.slice(pair.indexOf('=') + 1) }));
}
