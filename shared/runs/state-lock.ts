/** Terraform's state lock as the service sees it: where each backend keeps it and what it says. */
import type { StateLock } from '../ports/artifact-store';

/** The lock terraform's S3 backend keeps beside the state (use_lockfile): `<key>.tflock`. */
export const S3_LOCK_SUFFIX = '.tflock';

/** The lock info terraform's local backend keeps beside the state: `.terraform.tfstate.lock.info`. */
export const localLockInfo = (statePath: string): string => statePath.replace(/([^/]+)$/, '.$1.lock.info');

/** Terraform's lock info; a lock that is not JSON is still a lock (its text is the info). */
export function parseLock(text: string | undefined): StateLock {
  try {
    const info = JSON.parse(text ?? '') as StateLock;
    if (info && typeof info === 'object' && !Array.isArray(info)) return info;
  } catch {
    // not JSON
  }
  return { ID: '', Info: (text ?? '').slice(0, 1000) };
}
