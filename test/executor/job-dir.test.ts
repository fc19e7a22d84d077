/**
 * A job's steps share its work directory (issue 16): the second step reuses the checkout and the init of
 * the first, and anything that makes them unfit (a missing directory, another commit, a script that ran)
 * makes the step prepare again. Real git and terraform.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localArtifacts } from '../../executor/artifacts';
import { runStep } from '../../executor/run-step';
import type { ExecutorContext } from '../../shared/runs/executor-contract';
import { context, createRepo, memoryLog, script, type TestRepo } from './helpers';

let root: string;
let repo: TestRepo;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'tk-job-dir-test-'));
  repo = createRepo(join(root, 'repo'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function step(jobDir: string, overrides: Partial<ExecutorContext>) {
  const log = memoryLog();
  const ctx = context(repo, join(root, 'state'), {
    terraformVars: { greeting: 'hello' },
    backend: { get: join(`${jobDir}-state`, 'terraform.tfstate'), put: join(`${jobDir}-state`, 'terraform.tfstate') },
    ...overrides,
  });
  const result = await runStep(ctx, { log, artifacts: localArtifacts(), signal: new AbortController().signal, workRoot: root, jobDir, killGraceMs: 2000, environment: process.env });
  return { result, log: log.text() };
}

describe("a job's work directory", () => {
  it('prepares once: the apply after the plan reuses the checkout and init, and the plan file applies', async () => {
    const jobDir = join(root, 'jobs', 'org-1');
    const backend = { get: join(root, 'state-a', 'terraform.tfstate'), put: join(root, 'state-a', 'terraform.tfstate') };
    const planFile = join(root, 'plans', 'a.tfplan');
    const plan = await step(jobDir, { stepId: 's1', stepType: 'terraformPlan', backend, planOut: planFile });
    expect(plan.result, plan.log).toMatchObject({ status: 'completed', planChanges: true, commitId: repo.head });
    expect(plan.log).toContain('$ terraform init');
    const apply = await step(jobDir, { stepId: 's2', stepType: 'terraformApply', backend, planIn: planFile, commitId: repo.head });
    expect(apply.result, apply.log).toMatchObject({ status: 'completed', message: 'apply complete', commitId: repo.head });
    expect(apply.log).toContain('reusing the checkout and init of an earlier step of the job');
    expect(apply.log).not.toContain('$ git');
    expect(apply.log).not.toContain('$ terraform init');
    expect(apply.result.phases).not.toHaveProperty('checkout');
    expect(apply.result.phases).not.toHaveProperty('init');
    // Only the step's scratch directory went with the step; the job's directory stays for the next one.
    expect(existsSync(join(jobDir, 'repo'))).toBe(true);
    expect(existsSync(join(jobDir, 'step-s2'))).toBe(false);
  });

  it('prepares again when the directory is gone, the commit differs, or a script ran in the step before', async () => {
    const jobDir = join(root, 'jobs', 'org-2');
    const first = await step(jobDir, { stepId: 's1', stepType: 'terraformPlan' });
    expect(first.result, first.log).toMatchObject({ status: 'completed', planChanges: true });
    rmSync(jobDir, { recursive: true, force: true });
    const gone = await step(jobDir, { stepId: 's2', stepType: 'terraformPlan' });
    // Prepared again; the checkout and init of the same commit come from the executor's caches across jobs (checkout-cache.test.ts, init-cache.test.ts).
    expect(gone.log).not.toContain('reusing the checkout');
    expect(gone.log).toContain("copied from the executor's checkout cache");
    expect(gone.log).toContain("copied from the executor's init cache");
    const other = await step(jobDir, { stepId: 's3', stepType: 'terraformPlan', commitId: repo.first });
    expect(other.result.commitId).toBe(repo.first);
    expect(other.log).toContain('$ terraform init');
    const scripted = await step(jobDir, { stepId: 's4', stepType: 'terraformPlan', commitId: repo.first, commands: [script('touch changed-by-script', { before: true })] });
    expect(scripted.log).toContain('reusing the checkout');
    const after = await step(jobDir, { stepId: 's5', stepType: 'terraformPlan', commitId: repo.first });
    expect(after.result, after.log).toMatchObject({ status: 'completed', commitId: repo.first });
    expect(after.log).not.toContain('reusing the checkout');
    expect(existsSync(join(jobDir, 'repo', 'changed-by-script'))).toBe(false);
  });
});
