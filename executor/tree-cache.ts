/**
 * A bounded cache of directory trees on the executor's machine, shared by its processes (the local
 * engine's warm workers): checkouts and `terraform init` results of earlier jobs (checkout-cache.ts,
 * init-cache.ts). Entries are copies both ways, never hard links, so nothing a step does to its own
 * tree reaches the cache. An entry is written aside and renamed into place, so concurrent fills of one
 * key leave one whole entry; an evicted entry is renamed away before it is removed, so a reader sees a
 * whole entry or none (a copy that fails half-way is undone and reported as a miss). Least recently
 * used entries go once there are more than `entries` or they hold more than `bytes`.
 */
import { randomUUID } from 'node:crypto';
import { copyFileSync, lstatSync, mkdirSync, readdirSync, readlinkSync, symlinkSync } from 'node:fs';
import { lstat, mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface TreeCacheLimits {
  entries: number;
  bytes: number;
}

export interface TreeCache {
  /** Copies entry `key` to `target` (which must not exist yet; its parent must); false when there is none or it went away meanwhile. */
  restore(key: string, target: string): Promise<boolean>;
  /** Stores a copy of the tree at `source` as entry `key`; false when it is too big or could not be written. */
  store(key: string, source: string): Promise<boolean>;
}

class TooBig extends Error {}

/**
 * Copies a tree: files with their mode, symlinks as they are (not followed, not rewritten); answers the
 * bytes copied. Synchronous: a checkout is a few dozen small files, which the thread pool's round trips
 * would make several times slower (the step waits for the copy either way; entries are bounded in size).
 */
function copyTree(from: string, to: string, budget: { left: number }): number {
  mkdirSync(to, { mode: lstatSync(from).mode & 0o7777 });
  let bytes = 0;
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const [source, target] = [join(from, entry.name), join(to, entry.name)];
    if (entry.isDirectory()) bytes += copyTree(source, target, budget);
    else if (entry.isSymbolicLink()) symlinkSync(readlinkSync(source), target);
    else if (entry.isFile()) {
      copyFileSync(source, target); // a real copy, with the source's mode
      const size = Number.isFinite(budget.left) ? lstatSync(target).size : 0;
      bytes += size;
      budget.left -= size;
      if (budget.left < 0) throw new TooBig();
    } // git and terraform make no sockets or devices: nothing to keep
  }
  return bytes;
}

const SIZE_FILE = 'bytes';
const TREE = 'tree';

export function treeCache(root: string, limits: TreeCacheLimits): TreeCache {
  const entryDir = (key: string) => join(root, key);
  const aside = () => join(root, `.aside-${randomUUID()}`);

  async function evict(): Promise<void> {
    const names = (await readdir(root)).filter((name) => !name.startsWith('.'));
    const entries = await Promise.all(
      names.map(async (name) => {
        const [info, size] = await Promise.all([stat(entryDir(name)), readFile(join(entryDir(name), SIZE_FILE), 'utf8')]).catch(() => [undefined, '0'] as const);
        return { name, used: info?.mtimeMs ?? 0, bytes: Number(size) || 0 };
      }),
    );
    entries.sort((a, b) => b.used - a.used);
    let [count, bytes] = [0, 0];
    for (const entry of entries) {
      count++;
      bytes += entry.bytes;
      if (count <= limits.entries && bytes <= limits.bytes) continue;
      const gone = aside();
      if (await rename(entryDir(entry.name), gone).then(() => true, () => false)) await rm(gone, { recursive: true, force: true });
    }
  }

  return {
    async restore(key, target) {
      const dir = entryDir(key);
      if (!(await lstat(join(dir, TREE)).then(() => true, () => false))) return false;
      try {
        copyTree(join(dir, TREE), target, { left: Infinity });
      } catch {
        await rm(target, { recursive: true, force: true });
        return false;
      }
      const now = new Date();
      await utimes(dir, now, now).catch(() => undefined); // most recently used
      return true;
    },
    async store(key, source) {
      const temp = aside();
      try {
        await mkdir(root, { recursive: true, mode: 0o700 });
        await mkdir(temp, { mode: 0o700 });
        const bytes = copyTree(source, join(temp, TREE), { left: limits.bytes });
        await writeFile(join(temp, SIZE_FILE), String(bytes), { mode: 0o600 });
        // Another process that stored the same key first keeps its entry (the rename then fails): both are the same tree.
        await rename(temp, entryDir(key));
      } catch {
        await rm(temp, { recursive: true, force: true });
        return false;
      }
      await evict().catch(() => undefined);
      return true;
    },
  };
}
