/**
 * `terraform init`'s result across jobs (issue 16): a new job on the same commit, folder, terraform and
 * environment gets the `.terraform` an earlier job's init left, copied, and plans and applies with it;
 * anything init resolves from outside the commit (remote modules, providers, the state's providers)
 * is never shared. Real git and terraform.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localArtifacts } from '../../executor/artifacts';
import { initCache, restoreInit, stateNeedsNoProvider } from '../../executor/init-cache';
import { runStep } from '../../executor/run-step';
import type { ExecutorContext } from '../../shared/runs/executor-contract';
import { context, git, memoryLog, script, type TestRepo } from './helpers';

const root = mkdtempSync(join(tmpdir(), 'tk-init-cache-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const workRoot = join(root, 'work');
let repo: TestRepo;
let jobs = 0;

function commitFiles(path: string, files: Record<string, string>): string {
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(join(path, file, '..'), { recursive: true });
    writeFileSync(join(path, file), text);
  }
  git(path, 'add', '-A');
  git(path, 'commit', '-q', '-m', 'files');
  return git(path, 'rev-parse', 'HEAD');
}

beforeAll(() => {
  mkdirSync(workRoot, { recursive: true });
  const modules = join(root, 'modules');
  mkdirSync(modules);
  git(modules, 'init', '-q');
  commitFiles(modules, { 'main.tf': 'resource "terraform_data" "remote" {}\n' });
  const path = join(root, 'repo');
  mkdirSync(path);
  git(path, 'init', '-q');
  const head = commitFiles(path, {
    'main.tf': 'resource "terraform_data" "x" {\n  input = "hello"\n}\nmodule "local" {\n  source = "./mod"\n}\n',
    'mod/main.tf': 'resource "terraform_data" "y" {}\n',
    'other/main.tf': 'resource "terraform_data" "z" {}\n',
    'remote/main.tf': `module "remote" {\n  source = "git::file://${modules}"\n}\n`,
  });
  repo = { path, first: head, head, feature: head };
});

/** A new job (its own directory and workspace state): a plan, and the apply of its plan in the same directory. */
async function job(overrides: Partial<ExecutorContext> = {}, options: { apply?: boolean } = {}) {
  const jobDir = join(workRoot, 'jobs', `job-${++jobs}`);
  const state = join(root, 'state', `job-${jobs}`);
  const planOut = join(state, 'plan.tfplan');
  const base = { backend: { get: join(state, 'terraform.tfstate'), put: join(state, 'terraform.tfstate') }, ...overrides };
  const run = async (ctx: Partial<ExecutorContext>) => {
    const log = memoryLog();
    const result = await runStep(context(repo, state, { ...base, ...ctx }), { log, artifacts: localArtifacts(), signal: new AbortController().signal, workRoot, jobDir, killGraceMs: 2000, environment: process.env });
    return { result, log: log.text() };
  };
  const plan = await run({ stepId: 'plan', stepType: 'terraformPlan', planOut });
  const apply = options.apply ? await run({ stepId: 'apply', stepType: 'terraformApply', planIn: planOut, commitId: plan.result.commitId ?? null }) : undefined;
  return { plan, apply, jobDir };
}

const FROM_CACHE = "copied from the executor's init cache";

describe("terraform init's result across jobs", () => {
  it('gives a second job on the same commit and folder the first init, and it plans and applies with it', async () => {
    const first = await job({}, { apply: true });
    expect(first.plan.log).toContain('$ terraform init');
    expect(first.plan.log).toContain("Init: kept in the executor's init cache for later jobs.");
    const second = await job({}, { apply: true });
    expect(second.plan.result, second.plan.log).toMatchObject({ status: 'completed', planChanges: true, resources: { add: 2 } });
    expect(second.plan.log).toContain(`Init: .terraform ${FROM_CACHE} (an earlier job's init of commit ${repo.head} in the same folder`);
    expect(second.plan.log).not.toContain('$ terraform init');
    expect(second.plan.result.phases).toHaveProperty('init');
    expect(second.apply?.result, second.apply?.log).toMatchObject({ status: 'completed', message: 'apply complete', resources: { add: 2 } });
  });

  it('inits again for another folder, another environment or another commit', async () => {
    await job();
    const folder = await job({ folder: '/other' });
    expect(folder.plan.log).toContain('$ terraform init');
    const env = await job({ env: { TF_LOG_PATH_UNUSED: 'x' } });
    expect(env.plan.log).toContain('$ terraform init');
    const next = commitFiles(repo.path, { 'README.md': 'a new commit\n' });
    const commit = await job();
    expect(commit.plan.result.commitId).toBe(next);
    expect(commit.plan.log).toContain('$ terraform init');
    expect((await job()).plan.log).toContain(FROM_CACHE);
  });

  it('never shares an init that fetched a remote module', async () => {
    for (let i = 0; i < 2; i++) {
      const { plan } = await job({ folder: '/remote' });
      expect(plan.result, plan.log).toMatchObject({ status: 'completed', planChanges: true });
      expect(plan.log).toContain('$ terraform init');
      expect(plan.log).not.toContain('init cache');
    }
  });

  it("keeps what a step's script does to its .terraform out of the next job", async () => {
    await job();
    const tamper = script('echo broken > .terraform/terraform.tfstate && echo junk > .terraform/extra', { before: true });
    const tampered = await job({ commands: [tamper] });
    expect(tampered.plan.log).toContain(FROM_CACHE);
    expect(tampered.plan.result.status).toBe('failed');
    const next = await job();
    expect(next.plan.result, next.plan.log).toMatchObject({ status: 'completed', planChanges: true });
    expect(next.plan.log).toContain(FROM_CACHE);
    expect(existsSync(join(next.jobDir, 'repo', '.terraform', 'extra'))).toBe(false);
    expect(readFileSync(join(next.jobDir, 'repo', '.terraform', 'terraform.tfstate'), 'utf8')).toContain('"type": "http"');
  });

  it('is not used when the state holds resources of a provider (init would install it)', async () => {
    const state = (provider: string) => Buffer.from(JSON.stringify({ version: 4, resources: [{ type: 't', name: 'n', provider }] }));
    expect(stateNeedsNoProvider(Buffer.alloc(0))).toBe(true);
    expect(stateNeedsNoProvider(state('provider["terraform.io/builtin/terraform"]'))).toBe(true);
    expect(stateNeedsNoProvider(state('provider["registry.terraform.io/hashicorp/null"]'))).toBe(false);
    expect(stateNeedsNoProvider(Buffer.from('not json'))).toBe(false);
    const cache = initCache(join(root, 'unit'));
    const kept = join(root, 'unit-kept');
    mkdirSync(join(kept, 'tree'), { recursive: true });
    writeFileSync(join(kept, 'tree', 'terraform.tfstate'), '{}');
    expect(await cache.store('k', join(kept, 'tree'))).toBe(true);
    const folder = join(root, 'unit-folder');
    mkdirSync(folder);
    expect(await restoreInit(cache, { key: 'k', lock: undefined }, folder, state('provider["registry.terraform.io/hashicorp/null"]'))).toBe(false);
    expect(existsSync(join(folder, '.terraform'))).toBe(false);
    expect(await restoreInit(cache, { key: 'k', lock: undefined }, folder, Buffer.alloc(0))).toBe(true);
    expect(existsSync(join(folder, '.terraform', 'terraform.tfstate'))).toBe(true);
  });
});
