/**
 * The checkout cache across jobs (issue 16): a job whose directory is new gets the tree an earlier job
 * checked out of the same source and commit, copied, once its own `git ls-remote` answered for that
 * commit. Real git; the steps are script steps reading their checkout.
 */
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { localArtifacts } from '../../executor/artifacts';
import { runStep } from '../../executor/run-step';
import type { ExecutorContext } from '../../shared/runs/executor-contract';
import { context, createRepo, git, memoryLog, script, type TestRepo } from './helpers';

const root = mkdtempSync(join(tmpdir(), 'tk-checkout-cache-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let repo: TestRepo;
let workRoot: string;
let jobs = 0;
beforeEach(() => {
  const dir = mkdtempSync(join(root, 'case-'));
  repo = createRepo(join(dir, 'repo'));
  workRoot = join(dir, 'work');
  mkdirSync(workRoot);
});

/** What a step's script prints about its checkout: a file, the commit git sees and a symlink. */
const SHOW = 'echo "version=$(cat version.txt) head=$(git rev-parse HEAD) escape=$(readlink escape)"';

/** One step of a new job (its own new directory), as the local engine's warm workers run it. */
async function job(overrides: Partial<ExecutorContext> = {}, options: { jobDir?: boolean } = {}) {
  const log = memoryLog();
  const jobDir = join(workRoot, 'jobs', `job-${++jobs}`);
  const ctx = context(repo, join(root, 'state'), { stepType: 'customScripts', commands: [script(SHOW)], ...overrides });
  const result = await runStep(ctx, { log, artifacts: localArtifacts(), signal: new AbortController().signal, workRoot, ...(options.jobDir === false ? {} : { jobDir }), killGraceMs: 2000, environment: process.env });
  return { result, log: log.text() };
}

const FROM_CACHE = "copied from the executor's checkout cache";

describe('the checkout cache across jobs', () => {
  it("gives a second job on the same commit the first job's checkout, with the same commit and files", async () => {
    const first = await job();
    expect(first.result, first.log).toMatchObject({ status: 'completed', commitId: repo.head });
    expect(first.log).toContain('$ git clone');
    expect(first.log).toContain(`kept commit ${repo.head} in the executor's checkout cache`);
    const second = await job();
    expect(second.result, second.log).toMatchObject({ status: 'completed', commitId: repo.head });
    expect(second.log).toContain(`Checkout: commit ${repo.head} ${FROM_CACHE}`);
    expect(second.log).toContain('$ git ls-remote -- file://');
    expect(second.log).not.toContain('$ git clone');
    expect(second.log.split('\n')[0]).toContain(`at commit ${repo.head} (main)`);
    expect(second.log).toContain(`version=second head=${repo.head} escape=../..`);
  });

  it('picks up a new commit on the branch: the cache is keyed by the commit the branch resolves to', async () => {
    await job();
    writeFileSync(join(repo.path, 'version.txt'), 'third\n');
    git(repo.path, 'commit', '-q', '-am', 'third');
    const third = git(repo.path, 'rev-parse', 'HEAD');
    const next = await job();
    expect(next.result, next.log).toMatchObject({ status: 'completed', commitId: third });
    expect(next.log).toContain('$ git clone');
    expect(next.log).not.toContain(FROM_CACHE);
    expect(next.log).toContain(`version=third head=${third}`);
    // Another branch is another entry too.
    const feature = await job({ branch: 'feature' });
    expect(feature.result, feature.log).toMatchObject({ status: 'completed', commitId: repo.feature });
    expect(feature.log).toContain('version=feature');
  });

  it('keeps what a script changes in its checkout out of the next job', async () => {
    const tamper = script('echo tampered > version.txt && rm main.tf && ln -sfn /etc escape');
    const filling = await job({ commands: [tamper] });
    expect(filling.result, filling.log).toMatchObject({ status: 'completed' });
    const copied = await job({ commands: [tamper] });
    expect(copied.log).toContain(FROM_CACHE);
    const clean = await job({ commands: [script(`${SHOW} && test -f main.tf`)] });
    expect(clean.result, clean.log).toMatchObject({ status: 'completed' });
    expect(clean.log).toContain(FROM_CACHE);
    expect(clean.log).toContain(`version=second head=${repo.head} escape=../..`);
  });

  it('fails a job whose source is unreachable as before, though the cache holds its commit', async () => {
    await job();
    await job({ commitId: repo.head });
    renameSync(repo.path, `${repo.path}-moved`);
    const byBranch = await job();
    expect(byBranch.result).toMatchObject({ status: 'failed', message: 'checkout failed (git clone exited with 128)' });
    expect(byBranch.log).not.toContain(FROM_CACHE);
    const byCommit = await job({ commitId: repo.head });
    expect(byCommit.result).toMatchObject({ status: 'failed', message: expect.stringMatching(/^checkout failed \(git fetch exited with \d+\)$/) });
    expect(byCommit.log).not.toContain(FROM_CACHE);
    expect(byCommit.result.commitId).toBeUndefined();
  });

  it('serves a pinned commit only when the source lists it at a tip', async () => {
    const pinned = await job({ commitId: repo.head });
    expect(pinned.log).toContain('$ git fetch -q --depth 1');
    const again = await job({ commitId: repo.head });
    expect(again.result, again.log).toMatchObject({ status: 'completed', commitId: repo.head });
    expect(again.log).toContain(FROM_CACHE);
    // v1's commit is no tip of a branch, only of the tag; once the tag is gone the source must fetch it.
    await job({ commitId: repo.first });
    git(repo.path, 'tag', '-d', 'v1');
    const older = await job({ commitId: repo.first });
    expect(older.log).not.toContain(FROM_CACHE);
    expect(older.log).toContain('version=first');
  });

  it('keeps no checkout of a tag (the branch lookup never serves one): each such job clones', async () => {
    for (let i = 0; i < 2; i++) {
      const tag = await job({ branch: 'refs/tags/v1' });
      expect(tag.result, tag.log).toMatchObject({ status: 'completed', commitId: repo.first });
      expect(tag.log).toContain('$ git clone -q --depth 1 --branch v1');
      expect(tag.log).not.toContain('checkout cache');
    }
  });

  it('is not used without a job directory (CodeBuild, or the engine without reuse): every step clones', async () => {
    for (let i = 0; i < 2; i++) {
      const step = await job({}, { jobDir: false });
      expect(step.result, step.log).toMatchObject({ status: 'completed', commitId: repo.head });
      expect(step.log).toContain('$ git clone');
    }
    expect(existsSync(join(workRoot, 'cache'))).toBe(false);
  });
});
