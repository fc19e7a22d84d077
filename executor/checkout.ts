/**
 * A step's checkout of its workspace's source: a shallow clone of the branch, or a fetch of the pinned
 * commit. With a checkout cache (a persistent work root: the local engine's warm workers), a job whose
 * directory is new gets the tree an earlier job checked out of the same source and commit, copied: its
 * own access is proven first, with its own environment (`git ls-remote` resolves the branch, or finds
 * the pinned commit among the source's tips), so a source it cannot reach fails exactly as before (it
 * falls through to the clone), and a branch that moved resolves to its new commit (a miss).
 */
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ExecutorContext } from '../shared/runs/executor-contract';
import { headOfFreshClone } from './git-head';
import { StepFailure } from './step-failure';
import { treeCache, type TreeCache } from './tree-cache';

export interface CheckoutIO {
  /** Runs a command with a `$ label` line and its output in the step log; answers its exit code. */
  exec(args: string[], cwd: string, label: string): Promise<number>;
  /** Runs a command and answers its stdout (stderr goes to the log). */
  capture(args: string[], cwd: string): Promise<{ code: number; stdout: string }>;
  write(text: string): void;
}

export interface CheckedOut {
  commitId: string;
  fromCache: boolean;
}

/** user:password@ in a URL never reaches the log. */
export const redactUrl = (url: string) => url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1***@');
const BRANCH_PREFIX = /^refs\/(heads|tags)\//;
const COMMIT_ID = /^[0-9a-f]{4,64}$/i;
const FULL_COMMIT_ID = /^([0-9a-f]{40}|[0-9a-f]{64})$/i;
const GIT = ['git', '-c', 'advice.detachedHead=false'];

/** A few checkouts of the machine's recent jobs (the bench's and a busy workspace's all share one). */
const LIMITS = { entries: 16, bytes: 128 * 1024 * 1024 };

/** The machine's checkout cache under a persistent work root. */
export const checkoutCache = (workRoot: string): TreeCache => treeCache(join(workRoot, 'cache', 'checkouts'), LIMITS);

/** One entry per source (as given: its credentials included), way of checking out (a clone leaves the branch's ref) and commit. */
const entryKey = (source: string, how: string, commit: string) => createHash('sha256').update(JSON.stringify([source, how, commit.toLowerCase()])).digest('hex');

/** The commit of `refs/heads/<name>` in `git ls-remote` output (what `git clone --branch <name>` checks out first). */
export function branchTip(lsRemote: string, name: string): string | undefined {
  for (const line of lsRemote.split('\n')) {
    const [sha, ref] = line.trim().split('\t');
    if (ref === `refs/heads/${name}` && sha && FULL_COMMIT_ID.test(sha)) return sha.toLowerCase();
  }
  return undefined;
}

/** Whether `commit` is the tip of one of the refs `git ls-remote` listed (so the source serves it). */
export const isTip = (lsRemote: string, commit: string) => lsRemote.split('\n').some((line) => line.split('\t')[0]?.toLowerCase() === commit.toLowerCase());

export async function checkout(ctx: Pick<ExecutorContext, 'source' | 'branch' | 'commitId'>, dir: { root: string; repo: string }, io: CheckoutIO, cache?: TreeCache): Promise<CheckedOut> {
  const { branch, commitId } = ctx;
  const { root, repo } = dir;
  const git = async (args: string[], cwd: string, label = args.join(' ')) => {
    const code = await io.exec([...GIT, ...args], cwd, `git ${label}`);
    if (code !== 0) throw new StepFailure(`checkout failed (git ${args[0]} exited with ${code})`, code);
  };
  if (!ctx.source) throw new StepFailure('the workspace has no source to check out (it is driven by the terraform CLI)');
  if (ctx.source.startsWith('-')) throw new StepFailure('checkout failed (invalid source)');
  // As a file:// URL git honours --depth for a local repository (and does not warn that it won't).
  const source = isAbsolute(ctx.source) ? pathToFileURL(ctx.source).href : ctx.source;
  const shownSource = redactUrl(source);
  if (commitId && !COMMIT_ID.test(commitId)) throw new StepFailure('checkout failed (invalid commit id)');
  const name = branch.replace(BRANCH_PREFIX, '');
  // Only a full commit id can be matched against the tips; an abbreviated one is fetched as always.
  const how = commitId ? (FULL_COMMIT_ID.test(commitId) ? 'commit' : undefined) : `branch ${name}`;
  /** What the source answered the cache's ls-remote with: only that commit's checkout is kept (a tag's clone, say, would never be served). */
  let answered: string | undefined;
  const cached = cache && how ? await fromCache(cache, how) : undefined;
  if (cached) return cached;
  if (commitId) {
    await git(['init', '-q', repo], root, 'init -q repo');
    const fetchArgs = ['fetch', '-q', '--depth', '1', '--', source, commitId];
    if ((await io.exec([...GIT, ...fetchArgs], repo, `git fetch -q --depth 1 -- ${shownSource} ${commitId}`)) === 0) {
      await git(['checkout', '-q', 'FETCH_HEAD'], repo);
    } else {
      // Not every server serves a commit by id; fetch everything and pick the commit locally.
      io.write('The commit could not be fetched alone; fetching the whole repository.\n');
      const refspecs = ['+refs/heads/*:refs/remotes/origin/*', '+refs/tags/*:refs/tags/*'];
      await git(['fetch', '-q', '--', source, ...refspecs], repo, `fetch -q -- ${shownSource} ${refspecs.join(' ')}`);
      await git(['checkout', '-q', '--detach', commitId], repo);
    }
  } else {
    await git(['clone', '-q', '--depth', '1', '--branch', name, '--', source, repo], root, `clone -q --depth 1 --branch ${name} -- ${shownSource} repo`);
  }
  const head = (await headOfFreshClone(repo)) ?? (await revParse(repo, io));
  // Kept before anything else touches the checkout (init, scripts); a cache that cannot take it costs nothing.
  if (cache && how && answered === head && (await cache.store(entryKey(source, how, head), repo))) io.write(`Checkout: kept commit ${head} in the executor's checkout cache for later jobs.\n`);
  return { commitId: head, fromCache: false };

  /**
   * The tree of the commit the job's own `git ls-remote` resolves, when an earlier job left it. The
   * commit this process last resolved the branch to (or the pinned one) is copied while git asks the
   * source, and thrown away unless the answer names it: no step code runs before the answer is in.
   */
  async function fromCache(store: TreeCache, kind: string): Promise<CheckedOut | undefined> {
    const pattern = commitId ? [] : [`refs/heads/${name}`];
    io.write(`$ git ls-remote -- ${shownSource}${pattern.map((p) => ` ${p}`).join('')}\n`);
    const asking = io.capture([...GIT, 'ls-remote', '--', source, ...pattern], root);
    asking.catch(() => undefined); // awaited after the copy
    const resolvedBefore = entryKey(source, kind, '');
    const guess = commitId?.toLowerCase() ?? lastResolved.get(resolvedBefore);
    const copied = guess !== undefined && (await store.restore(entryKey(source, kind, guess), repo));
    const listed = await asking.catch(async (error: unknown) => {
      if (copied) await rm(repo, { recursive: true, force: true });
      throw error;
    });
    // Unreachable, unknown branch, commit not at a tip: the checkout goes on as without a cache (and fails as it would).
    const commit = listed.code !== 0 ? undefined : commitId ? (isTip(listed.stdout, commitId) ? commitId.toLowerCase() : undefined) : branchTip(listed.stdout, name);
    if (copied && commit !== guess) await rm(repo, { recursive: true, force: true });
    if (!commit) return undefined;
    answered = commit;
    if (!commitId) remember(resolvedBefore, commit);
    if (!(copied && commit === guess) && !(await store.restore(entryKey(source, kind, commit), repo))) return undefined;
    io.write(`Checkout: commit ${commit} copied from the executor's checkout cache (the source answered for it just now).\n`);
    return { commitId: commit, fromCache: true };
  }
}

/** Per source and branch, the commit this process last resolved it to: the likely answer of the next ls-remote. */
const lastResolved = new Map<string, string>();
function remember(key: string, commit: string): void {
  lastResolved.delete(key);
  lastResolved.set(key, commit);
  for (const oldest of lastResolved.keys()) if (lastResolved.size > 64) lastResolved.delete(oldest);
}

async function revParse(repo: string, io: CheckoutIO): Promise<string> {
  const { code, stdout } = await io.capture(['git', 'rev-parse', 'HEAD'], repo);
  if (code !== 0) throw new StepFailure(`checkout failed (git rev-parse exited with ${code})`, code);
  return stdout.trim();
}
