import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The commit a clone or fetch just checked out, read from .git as `git rev-parse HEAD` would (a
 * detached HEAD holds it; a branch's ref is a loose file right after a clone, or in packed-refs),
 * sparing a process; undefined when the layout is anything else (git is asked then).
 */
export async function headOfFreshClone(repo: string): Promise<string | undefined> {
  const git = join(repo, '.git');
  const read = (path: string) => readFile(join(git, path), 'utf8').then((t) => t.trim(), () => undefined);
  const head = await read('HEAD');
  if (head && COMMIT_SHA.test(head)) return head.toLowerCase();
  const ref = head?.match(/^ref: (refs\/[^\s]+)$/)?.[1];
  if (!ref || ref.split('/').includes('..')) return undefined;
  const loose = await read(ref);
  if (loose !== undefined) return COMMIT_SHA.test(loose) ? loose.toLowerCase() : undefined;
  const packed = (await read('packed-refs'))?.split('\n').find((line) => line.endsWith(` ${ref}`))?.split(' ')[0];
  return packed && COMMIT_SHA.test(packed) ? packed.toLowerCase() : undefined;
}
const COMMIT_SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/i;

