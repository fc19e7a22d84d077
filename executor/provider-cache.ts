/**
 * The workspace's provider cache (issue 19 item 7): CodeBuild keeps nothing between builds on Lambda
 * compute (a project cache is refused there) and an EC2 project cache is one per project, not per
 * workspace, so the executor keeps terraform's plugin cache itself, as one archive per workspace in the
 * artifact store. It is unpacked before `init` (TF_PLUGIN_CACHE_DIR) and saved again only when `init`
 * added a provider. A cache that cannot be read or saved costs a download, never the step.
 */
import { execFile } from 'node:child_process';
import { mkdir, readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import type { Artifacts } from './artifacts';
import type { ObjectGrant } from '../shared/runs/executor-contract';

const run = promisify(execFile);

export interface ProviderCache {
  /** The environment terraform gets: the cache directory, usable without a lock file entry for it. */
  env: Record<string, string>;
  /** Saves the cache when it gained files; answers what it did, for the step log. */
  save(): Promise<string | undefined>;
}

/** Every file under `root` with its size: what tells a cache that gained a provider. */
async function listing(root: string, dir = root): Promise<string[]> {
  const entries: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) entries.push(...(await listing(root, path)));
    else if (entry.isFile()) entries.push(`${relative(root, path)}:${(await stat(path)).size}`);
  }
  return entries.sort();
}

export async function openProviderCache(artifacts: Artifacts, ref: ObjectGrant, workDir: string, note: (line: string) => void): Promise<ProviderCache> {
  const dir = join(workDir, 'provider-cache');
  const archive = join(workDir, 'provider-cache.tgz');
  await mkdir(dir, { recursive: true });
  try {
    if (await artifacts.download(ref.get, archive)) {
      await run('tar', ['-xzf', archive, '-C', dir]);
      note('Providers: restored the workspace cache.');
    }
  } catch (error) {
    note(`Providers: the workspace cache could not be restored (${(error as Error).message.split('\n')[0]}); downloading them.`);
  }
  const before = (await listing(dir)).join('\n');
  return {
    // The checkout's lock file is thrown away with it, so a cache hit recording only this platform's
    // checksum in it breaks nothing; without this, terraform ignores the cache for unlocked providers.
    env: { TF_PLUGIN_CACHE_DIR: dir, TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE: 'true' },
    async save() {
      try {
        if ((await listing(dir)).join('\n') === before) return undefined;
        await run('tar', ['-czf', archive, '-C', dir, '.']);
        await artifacts.upload(archive, ref.put);
        return 'Providers: saved the workspace cache.';
      } catch (error) {
        return `Providers: the workspace cache could not be saved (${(error as Error).message.split('\n')[0]}).`;
      }
    },
  };
}
