/**
 * What a job checks out: a branch or tag and optionally a commit. The REST POST and the webhook receiver
 * hold these to the same rules (a value a job could not check out is refused before it is stored).
 */
import * as v from 'valibot';

export const gitRef = v.pipe(
  v.string('must be a branch or tag name'),
  v.maxLength(255, 'must be at most 255 characters'),
  v.check((b) => /^[A-Za-z0-9._/-]+$/.test(b) && !b.includes('..') && !b.startsWith('-'), 'must be a valid git branch or tag name'),
);

export const commitHash = v.pipe(v.string('must be a commit hash'), v.regex(/^[0-9a-fA-F]{4,64}$/, 'must be a commit hash (4 to 64 hex digits)'));

export const JobSource = v.object({ overrideBranch: v.nullish(gitRef), commitId: v.nullish(commitHash) });
