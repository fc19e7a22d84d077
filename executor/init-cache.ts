/**
 * `terraform init`'s result across jobs (issue 16), where a persistent work root exists (the local
 * engine's warm workers): the `.terraform` directory an earlier job's init left in a fresh checkout of
 * the same source, commit and folder, with the same binary version, run variables file and environment
 * (the step's own, before per-job values: state proxy address, workload identity, plugin cache path).
 *
 * Only an init whose result follows from those inputs alone is kept:
 * - no provider was installed (`.terraform/providers` absent): providers resolve against registries at
 *   init time unless locked, and the installed ones are links into the job's own plugin cache
 *   (provider-cache.ts), deleted with the job;
 * - only local modules (`./`, `../`): a remote module's source is fetched at init time and may move;
 * - the lock file is as the checkout had it (init did not write one);
 * - nothing else under `.terraform` (no symlinks, no workspace selection, no other data).
 * And an entry is only used when the workspace's state needs no provider beyond terraform's built-in
 * one: init also installs the providers the state's resources were made with.
 * The cached tree is copied in before the step's scripts run; a script may change its copy, never the
 * cache (tree-cache.ts). TF_DATA_DIR moves `.terraform` elsewhere: no caching then.
 */
import { createHash } from 'node:crypto';
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { treeCache, type TreeCache } from './tree-cache';

const LIMITS = { entries: 64, bytes: 16 * 1024 * 1024 };
const DATA_DIR = '.terraform';
const LOCK_FILE = '.terraform.lock.hcl';

export const initCache = (workRoot: string): TreeCache => treeCache(join(workRoot, 'cache', 'init'), LIMITS);

export interface InitInputs {
  source: string;
  commitId: string;
  folder: string;
  bin: string;
  versionText: string;
  /** The backend override and run variables files written into the folder before init. */
  written: Record<string, string | undefined>;
  /** The environment terraform gets, without the values minted per job or step. */
  env: NodeJS.ProcessEnv;
}

/** What the folder held before init: a later look tells whether init changed it. */
export interface BeforeInit {
  key: string;
  lock: string | undefined;
}

const readOrUndefined = (path: string) => readFile(path, 'utf8').catch(() => undefined);
const exists = (path: string) => lstat(path).then(() => true, () => false);

/** The entry's key, or undefined when this step's init is not one to share (see above). */
export async function beforeInit(inputs: InitInputs, folderPath: string): Promise<BeforeInit | undefined> {
  if (inputs.env.TF_DATA_DIR || (await exists(join(folderPath, DATA_DIR)))) return undefined;
  const env = Object.entries(inputs.env).filter(([, value]) => value !== undefined).sort(([a], [b]) => a.localeCompare(b));
  const key = createHash('sha256').update(JSON.stringify({ ...inputs, env })).digest('hex');
  return { key, lock: await readOrUndefined(join(folderPath, LOCK_FILE)) };
}

const BUILTIN = 'provider["terraform.io/builtin/terraform"]';

/** Whether the state's resources all come from terraform's built-in provider (or it has none). */
export function stateNeedsNoProvider(state: Buffer): boolean {
  if (state.length === 0) return true;
  try {
    const resources = (JSON.parse(state.toString('utf8')) as { resources?: { provider?: unknown }[] }).resources ?? [];
    return resources.every((r) => typeof r.provider === 'string' && r.provider.startsWith(BUILTIN));
  } catch {
    return false;
  }
}

/** Copies a kept init into the folder; false (and nothing left behind) when there is none or the state needs providers. */
export async function restoreInit(cache: TreeCache, before: BeforeInit, folderPath: string, state: Buffer): Promise<boolean> {
  if (!stateNeedsNoProvider(state)) return false;
  return cache.restore(before.key, join(folderPath, DATA_DIR));
}

/** Why init's result in the folder is not one to share, or undefined when it is. */
async function unshareable(folderPath: string, lockBefore: string | undefined): Promise<string | undefined> {
  if ((await readOrUndefined(join(folderPath, LOCK_FILE))) !== lockBefore) return 'init wrote the lock file';
  const dataDir = join(folderPath, DATA_DIR);
  for (const entry of await readdir(dataDir, { withFileTypes: true })) {
    if (entry.name === 'terraform.tfstate' && entry.isFile()) continue;
    if (entry.name === 'modules' && entry.isDirectory()) {
      const inside = await readdir(join(dataDir, 'modules'), { withFileTypes: true });
      if (inside.length !== 1 || inside[0]!.name !== 'modules.json' || !inside[0]!.isFile()) return 'remote modules';
      const { Modules = [] } = JSON.parse(await readFile(join(dataDir, 'modules', 'modules.json'), 'utf8')) as { Modules?: { Source?: string }[] };
      if (!Modules.every((m) => m.Source === '' || m.Source?.startsWith('./') || m.Source?.startsWith('../'))) return 'remote modules';
      continue;
    }
    return entry.name === 'providers' ? 'providers' : `.terraform/${entry.name}`;
  }
  return undefined;
}

/** Keeps init's result when it is one to share; answers the log line, if any. */
export async function keepInit(cache: TreeCache, before: BeforeInit, folderPath: string): Promise<string | undefined> {
  const reason = await unshareable(folderPath, before.lock).catch(() => 'unreadable');
  if (reason) return undefined;
  return (await cache.store(before.key, join(folderPath, DATA_DIR))) ? "Init: kept in the executor's init cache for later jobs." : undefined;
}
