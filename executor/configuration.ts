/**
 * A terraform CLI run's configuration: the .tar.gz the CLI uploaded (go-slug's format: relative paths,
 * directories as entries, symlinks kept when they point inside the root), unpacked with node-tar
 * instead of a git checkout. The archive is untrusted input: every entry is checked before anything is
 * written, and one that could write outside the root (an absolute path, `..`, a link leaving the root, a
 * hard link, a device) refuses the whole archive, as do archives that expand past the limits.
 */
import { posix } from 'node:path';
import { extract, list, type ReadEntry } from 'tar';

export interface UnpackLimits {
  /** Sum of the entries' sizes. */
  maxBytes: number;
  maxEntries: number;
}

export const DEFAULT_UNPACK_LIMITS: UnpackLimits = { maxBytes: 1024 * 1024 * 1024, maxEntries: 100_000 };

export class UnsafeArchive extends Error {}

const ALLOWED_TYPES = new Set(['File', 'OldFile', 'ContiguousFile', 'Directory', 'SymbolicLink']);

/** Why an entry may not be unpacked, or undefined when it may. */
export function entryRefusal(entry: Pick<ReadEntry, 'path' | 'type' | 'linkpath'>): string | undefined {
  const path = entry.path;
  if (path.includes('\0') || path.includes('\\')) return `entry '${path}' has a character paths may not have`;
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) return `entry '${path}' is an absolute path`;
  if (path.split('/').includes('..')) return `entry '${path}' leaves the configuration's root`;
  if (!ALLOWED_TYPES.has(entry.type)) return `entry '${path}' is a ${entry.type} (only files, directories and symlinks are unpacked)`;
  if (entry.type === 'SymbolicLink') {
    const target = entry.linkpath ?? '';
    if (target.startsWith('/') || target.includes('\0')) return `symlink '${path}' points outside the configuration (${target})`;
    const resolved = posix.normalize(posix.join(posix.dirname(path), target));
    if (resolved === '..' || resolved.startsWith('../')) return `symlink '${path}' points outside the configuration (${target})`;
  }
  return undefined;
}

/** Unpacks `archive` into the (empty) directory `into`, or throws UnsafeArchive saying why not. */
export async function unpackConfiguration(archive: string, into: string, limits: UnpackLimits = DEFAULT_UNPACK_LIMITS): Promise<{ entries: number; bytes: number }> {
  let entries = 0;
  let bytes = 0;
  let refusal: string | undefined;
  try {
    await list({
      file: archive,
      strict: true,
      onReadEntry: (entry) => {
        entries++;
        bytes += entry.size ?? 0;
        refusal ??= entryRefusal(entry);
        if (!refusal && entries > limits.maxEntries) refusal = `the configuration has more than ${limits.maxEntries} entries`;
        if (!refusal && bytes > limits.maxBytes) refusal = `the configuration expands to more than ${limits.maxBytes} bytes`;
        entry.resume();
      },
    });
  } catch (error) {
    throw new UnsafeArchive(`the configuration is not a valid .tar.gz (${(error as Error).message})`);
  }
  if (refusal) throw new UnsafeArchive(`the configuration was refused: ${refusal}`);
  // The checks above passed for every entry; node-tar's own protections (no absolute paths, no `..`,
  // no writing through symlinks) stay on as a second line.
  await extract({ file: archive, cwd: into, strict: true, preservePaths: false, preserveOwner: false, noMtime: false });
  return { entries, bytes };
}
