/**
 * The step executor against real git and terraform (the built-in terraform_data resource needs no
 * provider download). Each test checks out the fixture repository afresh, as a real step would.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { localArtifacts } from '../../executor/artifacts';
import type { ExecutorContext, ExecutorResult } from '../../shared/runs/executor-contract';
import { fileLogSink, maskingSink, maskSecrets, urlLogSink } from '../../executor/log-sink';
import { runStep } from '../../executor/run-step';
import { context, createRepo, memoryLog, objectGrants, processesMatching, script, waitFor, type TestRepo } from './helpers';

let root: string;
let repo: TestRepo;
let workRoot: string;
const savedCliConfig = process.env.TF_CLI_CONFIG_FILE;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'tk-executor-test-'));
  repo = createRepo(join(root, 'repo'));
  // Machine independent: a CLI config file that does not exist must not make terraform warn.
  process.env.TF_CLI_CONFIG_FILE = join(root, 'missing.terraformrc');
  process.env.TK_TEST_EXECUTOR_ONLY = 'must-not-reach-children';
});

afterAll(() => {
  if (savedCliConfig === undefined) delete process.env.TF_CLI_CONFIG_FILE;
  else process.env.TF_CLI_CONFIG_FILE = savedCliConfig;
  delete process.env.TK_TEST_EXECUTOR_ONLY;
  rmSync(root, { recursive: true, force: true });
});

beforeEach(() => {
  workRoot = mkdtempSync(join(root, 'work-'));
});

async function run(overrides: Partial<ExecutorContext>, options: { signal?: AbortSignal; killGraceMs?: number } = {}) {
  const log = memoryLog();
  const ctx = context(repo, join(root, 'state', 'default'), overrides);
  const result = await runStep(ctx, {
    log,
    artifacts: localArtifacts(),
    signal: options.signal ?? new AbortController().signal,
    workRoot,
    killGraceMs: options.killGraceMs ?? 2000,
    environment: process.env,
  });
  // The work directory (checkout, plan file, scripts) never outlives the step.
  expect(readdirSync(workRoot)).toEqual([]);
  return { result, log: log.text(), writes: log.writes };
}

const failed = (message: string | RegExp): Partial<ExecutorResult> => ({
  status: 'failed',
  message: typeof message === 'string' ? message : expect.stringMatching(message),
});

describe('terraform steps', () => {
  const state = () => join(root, 'state', 'lifecycle');
  const planFile = () => join(root, 'artifacts', 'plans', 'plan.tfplan');
  const tf = (overrides: Partial<ExecutorContext>) =>
    run({ terraformVars: { greeting: 'hello' }, backend: { get: join(state(), 'terraform.tfstate'), put: join(state(), 'terraform.tfstate') }, ...overrides });

  it('plans changes, saves the plan and records the commit', async () => {
    const { result, log } = await tf({ stepType: 'terraformPlan', stepName: 'Plan', planOut: planFile() });
    expect(result, log).toEqual({ status: 'completed', exitCode: 2, planChanges: true, commitId: repo.head, message: 'plan found changes', resources: { add: 1, change: 0, destroy: 0, import: 0 }, phases: { checkout: expect.any(Number), init: expect.any(Number), plan: expect.any(Number) } });
    expect(log.split('\n')[0]).toBe(`Step "Plan" (terraformPlan) of job 7 at commit ${repo.head} (main)`);
    expect(log).toContain('$ terraform init -input=false -no-color');
    expect(log).toContain('$ terraform plan -input=false -no-color -lock-timeout=120s -detailed-exitcode -out=');
    expect(log).toContain('Plan: 1 to add, 0 to change, 0 to destroy.');
    expect(log).not.toContain('CLI configuration');
    expect(log.trimEnd().split('\n').at(-1)).toBe('--- Step "Plan" completed: plan found changes (exit 2)');
    expect(statSync(planFile()).mode & 0o777).toBe(0o600);
  });

  it('applies the saved plan', async () => {
    const { result, log } = await tf({ stepType: 'terraformApply', planIn: planFile() });
    expect(result, log).toMatchObject({ status: 'completed', exitCode: 0, message: 'apply complete' });
    expect(log).toMatch(/\$ terraform apply -input=false -no-color -lock-timeout=120s \S+terrakube\.tfplan\n/);
    expect(log).toContain('Apply complete! Resources: 1 added');
    expect(JSON.parse(readFileSync(join(state(), 'terraform.tfstate'), 'utf8')).resources).toHaveLength(1);
  });

  it('finds no changes after the apply', async () => {
    const { result, log } = await tf({ stepType: 'terraformPlan' });
    expect(result, log).toMatchObject({ status: 'completed', exitCode: 0, planChanges: false, message: 'plan found no changes' });
  });

  it('passes a job\'s targetAddrs and replaceAddrs to terraform as -target and -replace', async () => {
    const { result, log } = await tf({ stepType: 'terraformPlan', targetAddrs: ['terraform_data.example'], replaceAddrs: ['terraform_data.example'] });
    expect(result, log).toMatchObject({ status: 'completed' });
    expect(log).toContain('-target=terraform_data.example -replace=terraform_data.example');
    expect(log).toContain('Resource targeting is in effect');
  });

  it('destroys', async () => {
    const { result, log } = await tf({ stepType: 'terraformDestroy' });
    expect(result, log).toMatchObject({ status: 'completed', message: 'destroy complete' });
    expect(log).toContain('Destroy complete! Resources: 1 destroyed.');
  });

  it('runs before commands, the plan, then after commands, with ENV and TERRAFORM variables', async () => {
    const { result, log } = await run({
      stepType: 'terraformPlan',
      env: { MY_SETTING: 'from-env' },
      terraformVars: { greeting: 'from-tfvar' },
      backend: { get: join(root, 'state', 'commands', 'terraform.tfstate'), put: join(root, 'state', 'commands', 'terraform.tfstate') },
      commands: [
        script('echo "BEFORE-1 env=$MY_SETTING var=$TF_VAR_greeting own=${TK_TEST_EXECUTOR_ONLY:-unset} auto=$TF_IN_AUTOMATION"', { before: true, priority: 1 }),
        script('echo BEFORE-2', { before: true, priority: 2 }),
        script('echo AFTER-1', { after: true }),
      ],
    });
    expect(result.status, log).toBe('completed');
    expect(log).toContain('BEFORE-1 env=from-env var=from-tfvar own=unset auto=1');
    expect(log).toContain('input  = "from-tfvar"');
    const order = ['BEFORE-1', 'BEFORE-2', 'Plan: 1 to add', 'AFTER-1'].map((text) => log.indexOf(text));
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });

  it('fails on a broken configuration', async () => {
    const { result, log } = await run({ stepType: 'terraformPlan', folder: 'broken' });
    expect(result, log).toMatchObject({ ...failed('terraform init failed (exit 1)'), exitCode: 1, commitId: repo.head });
    expect(log).toContain('Error:');
  });
});

describe('checkout', () => {
  const versionScript = [script('echo "version=$(cat version.txt)"')];

  it('pins a commit by id, also an abbreviated one', async () => {
    for (const commitId of [repo.first, repo.first.slice(0, 10)]) {
      const { result, log } = await run({ commitId, commands: versionScript });
      expect(result, log).toMatchObject({ status: 'completed', commitId: repo.first });
      expect(log).toContain('version=first');
    }
  });

  it('checks out another branch and a tag', async () => {
    const feature = await run({ branch: 'feature', commands: versionScript });
    expect(feature.result).toMatchObject({ status: 'completed', commitId: repo.feature });
    expect(feature.log).toContain('version=feature');
    const tag = await run({ branch: 'refs/tags/v1', commands: versionScript });
    expect(tag.result).toMatchObject({ status: 'completed', commitId: repo.first });
  });

  it('runs in a folder of the repository and refuses folders outside it', async () => {
    const inside = await run({ folder: '/sub/dir', commands: [script('cat marker.txt')] });
    expect(inside.result.status, inside.log).toBe('completed');
    expect(inside.log).toContain('inside sub/dir');
    for (const folder of ['../..', '/sub/../..', 'escape']) {
      expect((await run({ folder })).result).toMatchObject(failed(`folder '${folder}' is outside the repository`));
    }
    expect((await run({ folder: 'nope' })).result).toMatchObject(failed("folder 'nope' does not exist in the repository"));
  });

  it('fails for a repository that does not exist', async () => {
    const { result, log } = await run({ source: join(root, 'no-such-repo') });
    expect(result, log).toMatchObject(failed(/^checkout failed/));
    expect(result.commitId).toBeUndefined();
    expect(log.split('\n')[0]).toMatch(/^Step "Test step" \(customScripts\) of job 7: checkout failed/);
  });
});

describe('scripts and secrets', () => {
  it('runs a customScripts step in order and stops at the first failing command', async () => {
    const { result, log } = await run({ commands: [script('echo one'), script('echo two; exit 3'), script('echo three')] });
    expect(result, log).toMatchObject({ ...failed('script failed (exit 3)'), exitCode: 3 });
    expect(log).toMatch(/one\n[^]*two\n/);
    expect(log).not.toContain('three');
    // bash -e -o pipefail: a failure inside a pipeline stops the script
    const pipe = await run({ commands: [script('false | true; echo after-pipe')] });
    expect(pipe.result).toMatchObject({ ...failed('script failed (exit 1)'), exitCode: 1 });
    expect(pipe.log).not.toContain('after-pipe\n');
    const ok = await run({ commands: [script('echo fine')] });
    expect(ok.result).toMatchObject({ status: 'completed', exitCode: 0, message: 'scripts completed' });
  });

  it('masks sensitive values, also when printed in two halves', async () => {
    const secret = 's3cr3t-Value-42';
    const { result, log, writes } = await run({
      env: { TOKEN: secret },
      secrets: [secret, 'abc'],
      commands: [script('echo "token=$TOKEN"; echo "$TOKEN" >&2; printf "%s" "${TOKEN:0:6}"; sleep 0.3; printf "%s\\n" "${TOKEN:6}"; echo abc')],
    });
    expect(result.status, log).toBe('completed');
    expect(log).not.toContain('s3cr3t');
    // stdout and stderr interleave unpredictably, so count rather than compare the whole text
    expect(log).toContain('token=***\n');
    expect(log.match(/\*\*\*\n/g)).toHaveLength(3);
    expect(log).toContain('abc\n'); // too short a "secret" is not masked
    expect(writes.some((w) => w.includes('s3cr'))).toBe(false);
  });

  it('maskSecrets masks the longest secret first', () => {
    expect(maskSecrets('a-password123-b password', ['password', 'password123'])).toBe('a-***-b ***');
  });

  it('maskingSink gives the same text as maskSecrets however the output is chunked', async () => {
    const secrets = ['passw0rd', 'pass', 'word-word-word', 'ababab'];
    const text = 'x passw0rd y pas word-word-word-word abababab pass passw0r end password'.repeat(3);
    const expected = maskSecrets(text, secrets);
    for (let trial = 0; trial < 200; trial++) {
      const out = memoryLog();
      const sink = maskingSink(out, secrets);
      for (let at = 0; at < text.length; ) {
        const size = 1 + Math.floor(Math.random() * 12);
        sink.write(text.slice(at, at + size));
        at += size;
      }
      await sink.flush();
      expect(out.text()).toBe(expected);
    }
  });

  it('fileLogSink appends as output arrives', async () => {
    const file = join(root, 'file-sink', 'logs', 'step.log');
    const sink = fileLogSink(file, ['hidden-value']);
    sink.write('first line\n');
    expect(readFileSync(file, 'utf8')).toBe('first line\n'); // visible before flush/close
    sink.write('then hidden-');
    expect(readFileSync(file, 'utf8')).toBe('first line\nthen '); // what may begin a secret waits
    sink.write('value\n');
    await sink.close();
    expect(readFileSync(file, 'utf8')).toBe('first line\nthen ***\n');
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('urlLogSink uploads the whole masked log through its one upload URL', async () => {
    const bodies: { Body: string; ContentType?: string; url: string }[] = [];
    const artifacts = { write: async (url: string, body: Buffer | string, type?: string) => void bodies.push({ url, Body: String(body), ContentType: type }) };
    const sink = urlLogSink({ url: 'https://put-url', artifacts, secrets: ['top-secret'], intervalMs: 60_000 });
    sink.write('one top-');
    sink.write('secret two\n');
    await sink.flush();
    sink.write('three');
    await sink.close();
    expect(bodies.map((b) => b.Body)).toEqual(['one *** two\n', 'one *** two\nthree']);
    expect(bodies[0]).toMatchObject({ ContentType: 'text/plain; charset=utf-8', url: 'https://put-url' });
  });
});

describe('stopping a step', () => {
  const marker = () => `${30 + Math.floor(Math.random() * 1000) / 1000 + 0.0001}`;

  it('cancels a running script, its background children included', async () => {
    const [foreground, background] = [marker(), marker()];
    const abort = new AbortController();
    const started = Date.now();
    const running = run({ commands: [script(`sleep ${background} & echo started; sleep ${foreground}; echo never`)] }, { signal: abort.signal });
    await waitFor(() => processesMatching(`sleep ${foreground}`).length > 0);
    abort.abort();
    const { result, log } = await running;
    expect(result).toMatchObject({ ...failed('cancelled'), commitId: repo.head });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(log).not.toContain('never');
    expect(processesMatching(`sleep ${foreground}`)).toEqual([]);
    expect(processesMatching(`sleep ${background}`)).toEqual([]);
  });

  it('times out, killing a child that ignores SIGINT after the grace period', async () => {
    const sleep = marker();
    const started = Date.now();
    const { result } = await run({ timeoutSeconds: 1, commands: [script(`trap '' INT; sleep ${sleep}`)] }, { killGraceMs: 500 });
    expect(result).toMatchObject({ ...failed('step timed out after 1s'), exitCode: 124 });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(processesMatching(`sleep ${sleep}`)).toEqual([]);
  });
});

describe('executor/main.ts', () => {
  function runMain(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, TK_WORK_ROOT: workRoot, ...env };
    return new Promise((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'executor/main.ts'], { env: childEnv, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('close', (code) => resolve({ code, stderr }));
    });
  }
  const sourced = (file: string) =>
    execFileSync('bash', ['-c', 'source "$1"; printf "%s|%s|%s|%s|%s" "$TK_STATUS" "$TK_EXIT_CODE" "$TK_PLAN_CHANGES" "$TK_COMMIT" "$TK_MESSAGE"', '_', file], {
      encoding: 'utf8',
    });

  // main.ts reaches every object through its step's URLs only (issue 20), served as `npm start` serves them.
  let grants: Awaited<ReturnType<typeof objectGrants>>;
  beforeAll(async () => {
    grants = await objectGrants(root);
  });
  afterAll(() => grants.close());
  const contextUrls = (file: string) => ({ TK_CONTEXT: grants.url('GET', file), TK_CONTEXT_DISPOSE: grants.url('DELETE', file) });

  it('reads and deletes the context, runs the step and writes the result', async () => {
    const dir = join(root, 'main');
    mkdirSync(dir, { recursive: true });
    const secret = 'main-secret-value';
    const contextFile = join(dir, 'ctx.json');
    const files = { ...contextUrls(contextFile), TK_RESULT_FILE: join(dir, 'out', 'result.json'), TK_RESULT_ENV: join(dir, 'out', 'result.env') };
    const logFile = join(dir, 'step.log');
    const ctx = context(repo, dir, { env: { TOKEN: secret }, secrets: [secret], commands: [script('echo "hello $TOKEN"')], log: grants.url('PUT', logFile) });
    writeFileSync(contextFile, JSON.stringify(ctx));

    const { code, stderr } = await runMain(files);
    expect(code, stderr).toBe(0);
    expect(existsSync(contextFile)).toBe(false);
    expect(JSON.parse(readFileSync(files.TK_RESULT_FILE, 'utf8'))).toEqual({ status: 'completed', exitCode: 0, commitId: repo.head, message: 'scripts completed', phases: { checkout: expect.any(Number), scripts: expect.any(Number) } });
    expect(sourced(files.TK_RESULT_ENV)).toBe(`completed|0||${repo.head}|scripts completed`);
    expect(readFileSync(logFile, 'utf8')).toContain('hello ***\n');

    // A failed step still exits 0; a message with quotes survives the shell file.
    writeFileSync(contextFile, JSON.stringify({ ...ctx, folder: "it's" }));
    expect((await runMain(files)).code).toBe(0);
    expect(sourced(files.TK_RESULT_ENV)).toBe(`failed|1||${repo.head}|folder 'it's' does not exist in the repository`);
  });

  it('stops the step once its stop request appears (a cancel in AWS), and before it starts when the request is already there', async () => {
    const dir = join(root, 'stop');
    mkdirSync(dir, { recursive: true });
    const stop = join(dir, 'stop');
    const contextFile = join(dir, 'ctx.json');
    const logFile = join(dir, 'step.log');
    const files = { ...contextUrls(contextFile), TK_RESULT_FILE: join(dir, 'result.json'), TK_STOP_POLL_MS: '100', TK_LOG_INTERVAL_MS: '100' };
    const sleep = `${40 + Math.floor(Math.random() * 1000) / 1000 + 0.0001}`;
    const ctx = context(repo, dir, { stop: grants.url('GET', stop), log: grants.url('PUT', logFile), commands: [script(`echo started; sleep ${sleep}; echo never`)] });
    writeFileSync(contextFile, JSON.stringify(ctx));
    const started = Date.now();
    const running = runMain(files);
    await waitFor(() => processesMatching(`sleep ${sleep}`).length > 0);
    writeFileSync(stop, '');
    const { code, stderr } = await running;
    expect(code, stderr).toBe(0);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(JSON.parse(readFileSync(files.TK_RESULT_FILE, 'utf8'))).toMatchObject({ status: 'failed', exitCode: 130, message: 'cancelled' });
    expect(readFileSync(logFile, 'utf8')).not.toContain('never');
    expect(processesMatching(`sleep ${sleep}`)).toEqual([]);

    // A build that starts after the cancel (queued in CodeBuild meanwhile) runs nothing.
    rmSync(logFile, { force: true });
    writeFileSync(contextFile, JSON.stringify(ctx));
    expect((await runMain(files)).code).toBe(0);
    expect(JSON.parse(readFileSync(files.TK_RESULT_FILE, 'utf8'))).toMatchObject({ status: 'failed', message: 'cancelled' });
    expect(existsSync(logFile) ? readFileSync(logFile, 'utf8') : '').not.toContain('started');
  });

  it('exits 1 when the executor itself cannot run', async () => {
    const { code, stderr } = await runMain({ TK_CONTEXT: grants.url('GET', join(root, 'missing.json')) });
    expect(code).toBe(1);
    expect(stderr).toContain('executor failed: Error: the step context');
  });
});
