/**
 * A job's work directory, shared by its steps (issue 16): the first step checks the source out and runs
 * `terraform init`; the next steps of the same job find both done and go straight to their command.
 * The directory is keyed by the job (the engine names it), so it survives an approval wait and a restart
 * of the engine; what it was prepared from is written beside it, and a step whose inputs differ (another
 * commit, source, folder, backend, binary or environment), or that finds it missing or half-made,
 * prepares it again from scratch. A step that runs user scripts may change anything in it, so it is
 * marked unprepared before the first script runs: the step after it starts clean, as on a new machine.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExecutorContext } from '../shared/runs/executor-contract';

export interface Prepared {
  /** What the checkout and init depend on (hashed: the environment may hold secrets). */
  fingerprint: string;
  /** The commit checked out (absent for an uploaded configuration). */
  commitId?: string;
  /** `<bin> version` output, reused instead of running the binary again. */
  version?: string;
  /** The step folder inside the checkout. */
  folder: string;
}

export interface JobWorkDir {
  root: string;
  /** The checkout (or unpacked configuration). */
  repo: string;
  /** The step's own scratch directory (plan file, scripts, state copies), removed after the step. */
  scratch: string;
  /** The recorded preparation when it still fits this step, else undefined (and the directory was emptied). */
  reusable?: Prepared;
  fingerprint: string;
  /** Records a finished preparation (checkout and init done). */
  prepared(p: Omit<Prepared, 'fingerprint'>): Promise<void>;
  /** Forgets the preparation: the next step prepares again. */
  invalidate(): Promise<void>;
  /** Removes the step's scratch directory; `everything` removes the whole directory (no job dir to keep). */
  release(everything: boolean): Promise<void>;
}

/**
 * The object a grant names, without what changes from step to step: a step's URLs are minted for it
 * (fresh signature and expiry, and locally the engine's port), the object they name is the same.
 */
function grantedObject(ref: string | null | undefined): string | null {
  if (!ref) return null;
  try {
    return new URL(ref).pathname;
  } catch {
    return ref;
  }
}

/** Everything in the context that decides what the checkout holds and what init did. */
export function preparationFingerprint(ctx: ExecutorContext): string {
  const inputs = {
    source: ctx.source,
    archive: grantedObject(ctx.archive),
    branch: ctx.branch,
    folder: ctx.folder,
    iacType: ctx.iacType,
    terraformVersion: ctx.terraformVersion ?? null,
    // The backend is `backend "http" {}` for every step (its address is in the step's environment).
    env: Object.entries(ctx.env).sort(([a], [b]) => a.localeCompare(b)),
    providerCache: grantedObject(ctx.providerCache?.get),
  };
  return createHash('sha256').update(JSON.stringify(inputs)).digest('hex');
}

const MARKER = 'prepared.json';

async function readMarker(root: string): Promise<Prepared | undefined> {
  try {
    return JSON.parse(await readFile(join(root, MARKER), 'utf8')) as Prepared;
  } catch {
    return undefined;
  }
}

const sameCommit = (recorded: string | undefined, wanted: string | null | undefined) =>
  !wanted || (recorded !== undefined && recorded.toLowerCase().startsWith(wanted.toLowerCase()));

/**
 * Opens the job's directory at `root` for one step. `keep` false: a throwaway directory for this step
 * alone (no job directory configured, as in a CodeBuild build).
 */
export async function openJobWorkDir(root: string, ctx: ExecutorContext, keep: boolean): Promise<JobWorkDir> {
  const fingerprint = preparationFingerprint(ctx);
  const repo = join(root, 'repo');
  const scratch = join(root, `step-${ctx.stepId.replace(/[^\w-]/g, '_')}`);
  let reusable: Prepared | undefined;
  if (keep) {
    const marker = await readMarker(root);
    if (marker && marker.fingerprint === fingerprint && sameCommit(marker.commitId, ctx.commitId) && existsSync(repo)) reusable = marker;
  }
  if (!reusable && existsSync(root)) await rm(root, { recursive: true, force: true });
  await mkdir(root, { recursive: true, mode: 0o700 });
  await rm(scratch, { recursive: true, force: true });
  await mkdir(scratch, { mode: 0o700 });
  return {
    root,
    repo,
    scratch,
    reusable,
    fingerprint,
    async prepared(p) {
      if (keep) await writeFile(join(root, MARKER), JSON.stringify({ ...p, fingerprint }), { mode: 0o600 });
    },
    async invalidate() {
      await rm(join(root, MARKER), { force: true });
    },
    async release(everything) {
      await rm(everything ? root : scratch, { recursive: true, force: true }).catch(() => undefined);
    },
  };
}
