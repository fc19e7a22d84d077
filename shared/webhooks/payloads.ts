/**
 * Reads GitHub, GitLab and Bitbucket (Cloud) payloads into one VcsEvent (contract §7). Only fields the
 * providers document are read; anything unexpected makes the delivery "ignored", never an error, since
 * the sender cannot fix its payload. Nothing here calls back to the VCS.
 */
import type { Provider, VcsEvent } from './records';

export type Parsed = { type: 'ping' } | { type: 'ignored'; reason: string } | { type: 'event'; event: VcsEvent };

const MAX_FILES = 5_000;
const ZERO_SHA = /^0+$/;
const SHA_LIKE = /^[0-9a-f]{7,64}$/i;

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
/** A non-empty string at a path of nested objects. */
function str(v: unknown, ...path: string[]): string | undefined {
  const value = path.reduce<unknown>((o, k) => obj(o)[k], v);
  return typeof value === 'string' && value !== '' ? value : undefined;
}
/** GitLab redacts private emails ("[REDACTED]"); only something that looks like an address counts. */
const email = (v: string | undefined) => (v && /^[^\s@<>]+@[^\s@<>]+$/.test(v) ? v : undefined);
const ignored = (reason: string): Parsed => ({ type: 'ignored', reason });

/** Added, modified and removed files of every commit, once each. */
function changedFiles(commits: unknown): string[] {
  const files = new Set<string>();
  for (const commit of list(commits)) {
    for (const field of ['added', 'modified', 'removed']) {
      for (const file of list(obj(commit)[field])) if (typeof file === 'string' && files.size < MAX_FILES) files.add(file);
    }
  }
  return [...files];
}

function release(tag: string, fields: Omit<VcsEvent, 'kind' | 'refNames' | 'overrideBranch' | 'files'>): Parsed {
  return { type: 'event', event: { kind: 'RELEASE', refNames: [tag, `refs/tags/${tag}`], overrideBranch: `refs/tags/${tag}`, files: null, ...fields } };
}

/** A pull (merge) request's new head: its branch is the ref that is checked out and matched. */
function pullRequest(branch: string, fields: Omit<VcsEvent, 'kind' | 'refNames' | 'overrideBranch' | 'files'>): Parsed {
  return { type: 'event', event: { kind: 'PULL_REQUEST', refNames: [branch], overrideBranch: branch, files: null, ...fields } };
}

export function parsePayload(provider: Provider, eventName: string, payload: unknown): Parsed {
  if (provider === 'github') return github(eventName, obj(payload));
  if (provider === 'gitlab') return gitlab(obj(payload));
  return bitbucket(eventName, obj(payload));
}

function github(event: string, p: Json): Parsed {
  if (event === 'ping') return { type: 'ping' };
  if (event === 'push') {
    const ref = str(p, 'ref') ?? '';
    const after = str(p, 'after');
    if (p.deleted === true || (after && ZERO_SHA.test(after))) return ignored('the push deleted a ref');
    if (!ref.startsWith('refs/heads/')) return ignored(`${ref || 'the ref'} is not a branch (tags start RELEASE rules through releases)`);
    const branch = ref.slice('refs/heads/'.length);
    return {
      type: 'event',
      event: {
        kind: 'PUSH',
        refNames: [branch],
        overrideBranch: branch,
        files: changedFiles(p.commits),
        commitId: after ?? str(p, 'head_commit', 'id') ?? null,
        createdBy: str(p, 'pusher', 'email') ?? str(p, 'pusher', 'name') ?? null,
        summary: `GitHub push to ${branch}`,
      },
    };
  }
  if (event === 'pull_request') {
    const action = str(p, 'action') ?? '';
    if (!['opened', 'synchronize', 'reopened'].includes(action)) return ignored(`pull request action '${action}' does not start jobs`);
    const branch = str(p, 'pull_request', 'head', 'ref');
    if (!branch) return ignored('the pull request has no head branch');
    return pullRequest(branch, {
      commitId: str(p, 'pull_request', 'head', 'sha') ?? null,
      createdBy: str(p, 'pull_request', 'user', 'login') ?? str(p, 'sender', 'login') ?? null,
      summary: `GitHub pull request #${String(obj(p.pull_request).number ?? '?')} (${branch})`,
    });
  }
  if (event === 'release') {
    const action = str(p, 'action') ?? '';
    const r = obj(p.release);
    const tag = str(r, 'tag_name');
    if (!['created', 'published'].includes(action)) return ignored(`release action '${action}' does not start jobs`);
    if (r.draft === true) return ignored('draft releases do not start jobs');
    if (!tag) return ignored('the release has no tag');
    const target = str(r, 'target_commitish');
    return release(tag, {
      commitId: target && SHA_LIKE.test(target) ? target : null,
      createdBy: str(r, 'author', 'login') ?? str(p, 'sender', 'login') ?? null,
      summary: `GitHub release ${tag}`,
      // GitHub sends both `created` and `published` for one release: one job.
      dedupeKey: `release:${String(r.id ?? tag)}`,
    });
  }
  return ignored(`GitHub '${event}' events do not start jobs`);
}

function gitlab(p: Json): Parsed {
  const kind = str(p, 'object_kind') ?? '';
  if (kind === 'push' || kind === 'tag_push') {
    const ref = str(p, 'ref') ?? '';
    const sha = str(p, 'checkout_sha');
    if (!sha || ZERO_SHA.test(sha)) return ignored('the push deleted a ref');
    const createdBy = email(str(p, 'user_email')) ?? str(p, 'user_username') ?? null;
    if (kind === 'tag_push') {
      if (!ref.startsWith('refs/tags/')) return ignored(`${ref || 'the ref'} is not a tag`);
      const tag = ref.slice('refs/tags/'.length);
      // A release created with a new tag also sends a tag push: both share this key, one job.
      return release(tag, { commitId: sha, createdBy, summary: `GitLab tag ${tag}`, dedupeKey: `tag:${String(p.project_id)}:${tag}:${sha}` });
    }
    if (!ref.startsWith('refs/heads/')) return ignored(`${ref || 'the ref'} is not a branch`);
    const branch = ref.slice('refs/heads/'.length);
    return {
      type: 'event',
      event: {
        kind: 'PUSH',
        refNames: [branch],
        overrideBranch: branch,
        files: changedFiles(p.commits),
        commitId: sha,
        createdBy,
        summary: `GitLab push to ${branch}`,
      },
    };
  }
  if (kind === 'merge_request') {
    const a = obj(p.object_attributes);
    const action = str(a, 'action') ?? '';
    // `update` also fires for title or label edits; only an update carrying `oldrev` brought new commits.
    const newCommits = action === 'update' && str(a, 'oldrev') !== undefined;
    if (!['open', 'reopen'].includes(action) && !newCommits) return ignored(`merge request action '${action}' does not start jobs`);
    const branch = str(a, 'source_branch');
    if (!branch) return ignored('the merge request has no source branch');
    return pullRequest(branch, {
      commitId: str(a, 'last_commit', 'id') ?? null,
      createdBy: str(p, 'user', 'username') ?? null,
      summary: `GitLab merge request !${String(a.iid ?? '?')} (${branch})`,
    });
  }
  if (kind === 'release') {
    const tag = str(p, 'tag');
    if (str(p, 'action') !== 'create') return ignored(`release action '${str(p, 'action') ?? ''}' does not start jobs`);
    if (!tag) return ignored('the release has no tag');
    const sha = str(p, 'commit', 'id') ?? null;
    return release(tag, {
      commitId: sha,
      createdBy: email(str(p, 'commit', 'author', 'email')) ?? null,
      summary: `GitLab release ${tag}`,
      dedupeKey: `tag:${String(obj(p.project).id)}:${tag}:${sha ?? ''}`,
    });
  }
  return ignored(`GitLab '${kind || 'unknown'}' events do not start jobs`);
}

function bitbucket(event: string, p: Json): Parsed {
  if (event === 'diagnostics:ping') return { type: 'ping' };
  const actor = str(p, 'actor', 'nickname') ?? str(p, 'actor', 'display_name') ?? null;
  if (event === 'repo:push') {
    // One delivery starts at most one job: the first ref the push created or moved.
    const change = list(obj(p.push).changes)
      .map((c) => obj(obj(c).new))
      .find((n) => str(n, 'name'));
    if (!change) return ignored('the push only deleted refs');
    const name = str(change, 'name') as string;
    const commitId = str(change, 'target', 'hash') ?? null;
    const author = /<([^<>\s]+@[^<>\s]+)>/.exec(str(change, 'target', 'author', 'raw') ?? '')?.[1];
    const createdBy = author ?? actor;
    const type = str(change, 'type');
    if (type === 'tag' || type === 'annotated_tag') return release(name, { commitId, createdBy, summary: `Bitbucket tag ${name}` });
    if (type !== 'branch') return ignored(`a push of a ${type ?? 'ref'} does not start jobs`);
    return {
      type: 'event',
      // Bitbucket push payloads list no files: rules match on the branch only.
      event: { kind: 'PUSH', refNames: [name], overrideBranch: name, files: null, commitId, createdBy, summary: `Bitbucket push to ${name}` },
    };
  }
  if (event === 'pullrequest:created' || event === 'pullrequest:updated') {
    const pr = obj(p.pullrequest);
    const branch = str(pr, 'source', 'branch', 'name');
    if (!branch) return ignored('the pull request has no source branch');
    return pullRequest(branch, {
      commitId: str(pr, 'source', 'commit', 'hash') ?? null,
      createdBy: str(pr, 'author', 'nickname') ?? actor,
      summary: `Bitbucket pull request #${String(pr.id ?? '?')} (${branch})`,
    });
  }
  return ignored(`Bitbucket '${event}' events do not start jobs`);
}
