/**
 * What CDK synthesizes is what runs (issue 11). `cdk synth` writes the cloud assembly; this test deploys
 * it on this machine (test/helpers/assembly/deployment.ts) and drives it as a client would: every route
 * through its bundled function, then one real flow (organization → team → workspace with a sensitive
 * variable → a plan, an approval and an apply through the template's state machine and the executor
 * build, the step logs read back from S3; a plan and its apply in one build; a cancelled job that frees
 * its workspace for the next one). Synthesized with `-c stepSeconds=600`, so that a plan's apply fits in
 * its build (with the default 840 s steps, Lambda compute runs each step as a build of its own).
 * A function whose bundle does not import, whose handler is missing, whose environment lacks a
 * variable, a route whose integration names no function, a state machine task naming a missing
 * function, or a call its role's policies do not allow (simulated with @cloud-copilot/iam-simulate)
 * fails here instead of in a deploy.
 */
import { spawn, type ChildProcess, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { issuePersonalAccessToken } from '../../shared/auth/tokens';
import { METRIC } from '../../shared/observability/names';
import { ROUTES } from '../../shared/routes';
import { cdkSynth, LocalDeployment } from '../helpers/assembly/deployment';
import { TF_CONFIG, gitRepo } from '../helpers/engine';
import { checkedHttp } from '../helpers/checked-http';
import { readEventStream } from '../helpers/sse';

type Json = Record<string, any>;
const outdir = mkdtempSync(join(tmpdir(), 'cloud-assembly-'));
const SENSITIVE = `sensitive-${crypto.randomUUID()}`;
let deployment: LocalDeployment;
let gitDaemon: ChildProcess | undefined;
let gitRoot = '';
let sourceUrl = '';
let admin = '';
let ops = '';
let approver = '';
let org = '';

const http = checkedHttp(() => deployment.api.url);
const create = async (path: string, type: string, attributes: Json, token = ops, relationships?: Json) => {
  const res = await http('POST', `/api/v1/organization/${org}/${path}`, token, { data: { type, attributes, ...(relationships ? { relationships } : {}) } });
  expect(res.status, res.text).toBe(201);
  return res.body.data.id as string;
};
const job = (ws: string, attributes: Json) => create('job', 'job', attributes, ops, { workspace: { data: { type: 'workspace', id: ws } } });
const read = async (id: string) => {
  const res = await http('GET', `/api/v1/organization/${org}/job/${id}?include=step`, ops);
  expect(res.status, res.text).toBe(200);
  return { job: res.body.data as Json, steps: ((res.body.included ?? []) as Json[]).sort((a, b) => a.attributes.stepNumber - b.attributes.stepNumber) };
};
async function until(id: string, done: (j: Json) => boolean, ms = 60_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const got = await read(id);
    if (done(got.job)) return got;
    if (Date.now() > deadline) throw new Error(`job ${id} is still ${got.job.attributes.status}: ${got.job.attributes.output}; async failures: ${JSON.stringify(deployment.asyncFailures)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
const ended = (j: Json) => ['completed', 'failed', 'cancelled', 'rejected'].includes(j.attributes.status);
const patch = (id: string, status: string, token = ops) => http('PATCH', `/api/v1/organization/${org}/job/${id}`, token, { data: { type: 'job', id, attributes: { status } } });
const script = (text: string) => ({ tcl: Buffer.from(`flow:\n  - type: customScripts\n    step: 1\n    commands:\n      - { script: "${text}" }\n`).toString('base64') });

/** A git repository served over git:// (the functions accept only remote sources in AWS). */
async function serveRepository(): Promise<string> {
  const repo = gitRepo({ 'main.tf': TF_CONFIG });
  gitRoot = mkdtempSync(join(tmpdir(), 'cloud-assembly-git-'));
  execFileSync('git', ['clone', '-q', '--bare', repo.path, join(gitRoot, 'infra.git')]);
  // A random port may be taken (the daemon then exits: another port), and a busy machine may take seconds to start it.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const daemon = spawn('git', ['daemon', '--reuseaddr', '--export-all', `--base-path=${gitRoot}`, '--listen=127.0.0.1', `--port=${port}`, gitRoot], { stdio: 'ignore' });
    gitDaemon = daemon;
    const url = `git://127.0.0.1:${port}/infra.git`;
    for (let i = 0; i < 300 && daemon.exitCode === null; i++) {
      try {
        execFileSync('git', ['ls-remote', url], { stdio: 'ignore' });
        return url;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    daemon.kill('SIGTERM');
  }
  throw new Error('git daemon did not start');
}

beforeAll(async () => {
  await cdkSynth(outdir, { stepSeconds: '600' });
  deployment = await LocalDeployment.boot(outdir, inject('dynamoDbEndpoint'));
  // aws-local-stepfunctions invokes a Task's function ARN with the SDK's default endpoint and
  // credentials: the local Lambda, as the state machine's role.
  const credentials = deployment.stateMachineCredentials();
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_LAMBDA: deployment.aws.endpoint,
    AWS_REGION: deployment.assembly.deployment.region,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_SESSION_TOKEN: credentials.sessionToken,
  });
  sourceUrl = await serveRepository();
  const secret = [...deployment.secrets.values()][0]?.value as string;
  const pat = (email: string, groups: string[]) => issuePersonalAccessToken({ email, groups }, secret);
  [admin, ops, approver] = await Promise.all([pat('admin@example.com', ['TERRAKUBE_ADMIN']), pat('ops@example.com', ['OPS']), pat('cli@example.com', ['TERRAFORM_CLI'])]);
}, 240_000);

afterAll(async () => {
  await deployment?.stop();
  gitDaemon?.kill('SIGTERM');
  rmSync(outdir, { recursive: true, force: true });
  if (gitRoot) rmSync(gitRoot, { recursive: true, force: true });
}, 60_000);

describe('the synthesized cloud assembly, deployed locally', () => {
  it('boots every function from its code asset: the handler imports, and its source map names the TypeScript source', async () => {
    const failures: string[] = [];
    for (const fn of deployment.runtime.functions) {
      const root = deployment.runtime.environment(fn, { accessKeyId: 'x', secretAccessKey: 'x', sessionToken: 'x' }).LAMBDA_TASK_ROOT as string;
      const map = JSON.parse(readFileSync(join(root, 'index.mjs.map'), 'utf8')) as { sources: string[] };
      if (!map.sources.some((s) => /^(functions|shared)\/.+\.ts$/.test(s))) failures.push(`${fn.description}: its source map names no TypeScript source`);
      if (!existsSync(join(root, 'index.mjs'))) failures.push(`${fn.description}: no index.mjs in its asset`);
    }
    const imported = await deployment.runtime.initAll();
    expect([...failures, ...imported]).toEqual([]);
    // With the environment the template gives it (NODE_OPTIONS included), a task given no state fails
    // with a stack trace that names TypeScript lines.
    const advance = deployment.runtime.functions.find((f) => f.description.startsWith('Job run task: records')) as (typeof deployment.runtime.functions)[number];
    const env = deployment.runtime.environment(advance, { accessKeyId: 'x', secretAccessKey: 'x', sessionToken: 'x' });
    const probe = `const m = await import(${JSON.stringify(join(env.LAMBDA_TASK_ROOT as string, 'index.mjs'))}); try { await m.handler(null, {}); } catch (e) { console.log(e.stack); }`;
    const trace = execFileSync(process.execPath, ['--input-type=module', '-e', probe], { env: { ...env, PATH: process.env.PATH, AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:9' } as NodeJS.ProcessEnv, encoding: 'utf8' });
    expect(trace).toMatch(/at \S+ \(\S+\/shared\/run-tasks\/\S+\.ts:\d+:\d+\)/);
  }, 120_000);

  it('answers every route of the route table through its bundled function, with no 5xx', async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    // A few routes at a time: over 120 cold sandboxes (and the authorizer's) at once would time out on a busy machine.
    const answers: string[] = [];
    const queue = [...ROUTES];
    const worker = async () => {
      for (let route = queue.shift(); route; route = queue.shift()) {
        const path = route.path.replace(/\{[^}]+\}/g, (p) => (p === '{jobId}' ? '1' : missing));
        const body = route.method === 'POST' || route.method === 'PATCH' ? { data: { type: 'x', attributes: {} } } : undefined;
        const res = await http(route.method, path, admin, body);
        answers.push(`${route.method} ${route.path} → ${res.status}${res.status >= 500 ? ` ${res.text}` : ''}`);
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    expect(answers.filter((a) => / → 5\d\d/.test(a) || !/ → \d{3}/.test(a))).toEqual([]);
    expect(answers).toContain('GET /healthz → 200');
    expect((await http('GET', '/no/such/path', admin)).status).toBe(404);
  }, 120_000);

  it('serves the OpenAPI document and the reference page with its files from the function asset (no CDN)', async () => {
    const described = await http('GET', '/api/v1/openapi.json', admin);
    expect(described.status).toBe(200);
    expect(Object.keys(described.body.paths)).toEqual(expect.arrayContaining([...new Set(ROUTES.map((r) => r.path))]));
    const page = await http('GET', '/docs', admin);
    expect(page.status).toBe(200);
    const files = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] as string);
    expect(files).toContain('/docs/swagger-ui-bundle.js');
    for (const file of files) expect((await http('GET', file, admin)).status, file).toBe(200);
    const bundle = await http('GET', '/docs/swagger-ui-bundle.js', admin);
    expect(bundle.text).toBe(readFileSync(createRequire(import.meta.url).resolve('swagger-ui-dist/swagger-ui-bundle.js'), 'utf8'));
  }, 120_000);

  describe('one real flow', () => {
    let ws = '';
    beforeAll(async () => {
      const res = await http('POST', '/api/v1/organization', admin, { data: { type: 'organization', attributes: { name: `cloud-assembly-${Date.now()}` } } });
      expect(res.status, res.text).toBe(201);
      org = res.body.data.id;
      await create('team', 'team', { name: 'OPS', manageWorkspace: true, manageJob: true, manageTemplate: true }, admin);
      await create('team', 'team', { name: 'TERRAFORM_CLI' }, admin);
      ws = await create('workspace', 'workspace', { name: `ws-${Date.now()}`, source: sourceUrl, branch: 'main', iacType: 'terraform' });
      await create(`workspace/${ws}/variable`, 'variable', { key: 'greeting', value: SENSITIVE, category: 'TERRAFORM', sensitive: true, hcl: false });
    }, 60_000);

    it('plans, waits for the approval team, applies after the approval, and serves both step logs from S3', async () => {
      const templates = await http('GET', `/api/v1/organization/${org}/template`, ops);
      const cli = (templates.body.data as Json[]).find((t) => t.attributes.name === 'Terraform-Plan/Apply-Cli')?.id as string;
      const id = await job(ws, { templateReference: cli });
      await until(id, (j) => j.attributes.status === 'waitingApproval' || ended(j), 120_000);
      const waiting = await read(id);
      expect(waiting.job.attributes.status).toBe('waitingApproval');
      // The apply step has no log yet: S3 answers 404 (not 403) to the log route, which may list logs/.
      const noLogYet = await http('GET', `/tfoutput/v1/organization/${org}/job/${id}/step/${(waiting.steps.at(-1) as Json).id}`, ops);
      expect([noLogYet.status, noLogYet.text]).toEqual([200, '']);
      expect((await patch(id, 'approved', ops)).status).toBe(403);
      expect((await patch(id, 'approved', approver)).status).toBe(204);
      const done = await until(id, ended, 120_000);
      expect(done.job.attributes, JSON.stringify(done.job.attributes.output)).toMatchObject({ status: 'completed', planChanges: true });
      const [plan, , apply] = done.steps;
      const log = async (step: Json) => (await http('GET', `/tfoutput/v1/organization/${org}/job/${id}/step/${step.id}`, ops)).text;
      expect(await log(plan as Json)).toContain('Plan: 1 to add, 0 to change, 0 to destroy');
      expect(await log(apply as Json)).toContain('Apply complete!');
      // The state is in the bucket, where the next job's plan finds it.
      const again = await until(await job(ws, { command: 'plan' }), ended, 120_000);
      expect(again.job.attributes).toMatchObject({ status: 'completed', planChanges: false });
    }, 300_000);

    it('runs a plan and its apply in one build, the plan\'s end and the apply\'s start recorded from what the build exported', async () => {
      const templates = await http('GET', `/api/v1/organization/${org}/template`, ops);
      const planAndApply = (templates.body.data as Json[]).find((t) => t.attributes.name === 'Plan and apply')?.id as string;
      const fresh = await create('workspace', 'workspace', { name: `chained-${Date.now()}`, source: sourceUrl, branch: 'main', iacType: 'terraform' });
      const id = await job(fresh, { templateReference: planAndApply });
      const done = await until(id, ended, 120_000);
      expect(done.job.attributes, done.job.attributes.output).toMatchObject({ status: 'completed', planChanges: true, output: 'Plan: plan found changes\nApply: apply complete' });
      const [plan, apply] = done.steps.map((s) => s.attributes);
      expect([plan?.status, apply?.status]).toEqual(['completed', 'completed']);
      expect(apply?.startedDate).toBe(plan?.finishedDate);
      expect(Date.parse(apply?.finishedDate)).toBeGreaterThanOrEqual(Date.parse(apply?.startedDate));
      expect(Date.parse(plan?.finishedDate)).toBeGreaterThanOrEqual(Date.parse(plan?.startedDate));
      // One build ran both: the one handed the plan.
      expect(deployment.stepFunctions.builds.filter((b) => done.steps.some((s) => s.id === b.step)).map((b) => [b.step, b.exitCode])).toEqual([[done.steps[0]?.id, 0]]);
      expect((await http('GET', `/tfoutput/v1/organization/${org}/job/${id}/step/${done.steps[1]?.id}`, ops)).text).toMatch(/reusing the checkout and init[\s\S]*Apply complete!/);
    }, 180_000);

    it('serves a step log larger than a Lambda response through a short-lived link, without the bearer token', async () => {
      const id = await job(ws, script('(yes 0123456789abcdefghijklmnopqrstuvwxyz || true) | head -c 7000000'));
      const done = await until(id, ended, 120_000);
      expect(done.job.attributes.status, done.job.attributes.output).toBe('completed');
      const path = `/tfoutput/v1/organization/${org}/job/${id}/step/${(done.steps[0] as Json).id}`;
      const res = await fetch(`${deployment.api.url}${path}`, { headers: { authorization: `Bearer ${ops}` }, redirect: 'manual' });
      expect(res.status, await res.clone().text()).toBe(307);
      const link = res.headers.get('location') as string;
      expect(link).toMatch(/X-Amz-Expires=300&.*X-Amz-Signature=/);
      const log = await fetch(link);
      expect(log.status).toBe(200);
      const text = await log.text();
      expect(text.length).toBeGreaterThan(7_000_000);
      expect(text).toContain('0123456789abcdefghijklmnopqrstuvwxyz\n');
      // A client that follows the redirect (fetch drops the token on the way to another host) gets the same.
      expect((await http('GET', path, ops)).text).toBe(text);
    }, 180_000);

    it('streams a running step\'s log from S3 through the response-streaming function URL; API Gateway answers the snapshot', async () => {
      const id = await job(ws, script('for i in 1 2 3 4; do echo tick-$i; sleep 1.5; done'));
      const running = await until(id, (j) => j.attributes.status === 'running' || ended(j));
      const path = `/tfoutput/v1/organization/${org}/job/${id}/step/${running.steps[0]?.id}/stream`;
      const url = `${deployment.functionUrls.urlOf('GET /tfoutput/v1/organization/{orgId}/job/{jobId}/step/{stepId}/stream (live')}${path}`;
      const live = await readEventStream(url, { token: ops, timeoutMs: 90_000 });
      expect(live, JSON.stringify(deployment.asyncFailures)).toMatchObject({ status: 200, closed: true });
      expect(live.events.map((e) => e.data).filter((d) => d.startsWith('tick-'))).toEqual(['tick-1', 'tick-2', 'tick-3', 'tick-4']);
      expect((await read(id)).steps[0]?.attributes.status).toBe('completed');
      // Resumed after the second tick: the rest only.
      const second = live.events.find((e) => e.data === 'tick-2')?.id;
      const rest = await readEventStream(url, { token: ops, lastEventId: second });
      expect(rest.events.map((e) => e.data).filter((d) => d.startsWith('tick-'))).toEqual(['tick-3', 'tick-4']);
      // The function verifies the token itself: no authorizer stands in front of a function URL.
      const refused = await readEventStream(url);
      expect([refused.status, JSON.parse(refused.text ?? '{}').errors?.[0]?.status]).toEqual([401, '401']);
      // The signature's first character: its last one may carry only base64url padding bits (the same bytes).
      const forgedToken = admin.replace(/\.(.)([^.]*)$/, (_, c: string, rest: string) => `.${c === 'A' ? 'B' : 'A'}${rest}`);
      expect(forgedToken).not.toBe(admin);
      const forged = await readEventStream(url, { token: forgedToken });
      expect(forged.status).toBe(401);
      const snapshot = await http('GET', path, ops);
      expect(snapshot.status).toBe(200);
      expect(snapshot.text).toContain('data: tick-4\n');
    }, 180_000);

    it('cancels a running job: its build is stopped first (terraform gets its interrupt), then the next job of the workspace runs', async () => {
      // The cancelled step takes 2 s to stop after its interrupt; the next job fails if it starts before.
      const stopped = join(outdir, `stopped-${crypto.randomUUID()}`);
      const sleeping = await job(ws, script(`trap 'sleep 2; touch ${stopped}; exit 130' INT; echo started; sleep 60`));
      const next = await job(ws, script(`test -f ${stopped}`));
      const running = await until(sleeping, (j) => j.attributes.status === 'running' || ended(j));
      const logPath = `/tfoutput/v1/organization/${org}/job/${sleeping}/step/${(running.steps[0] as Json).id}`;
      for (let i = 0; i < 100 && !(await http('GET', logPath, ops)).text.includes('started'); i++) await new Promise((r) => setTimeout(r, 200));
      expect((await patch(sleeping, 'cancelled')).status).toBe(204);
      expect((await read(sleeping)).job.attributes.status).toBe('cancelled');
      const after = await until(next, ended);
      expect(after.job.attributes.status, after.job.attributes.output).toBe('completed');
      await deployment.settle();
      // The run ended by itself once its build had stopped: nothing stopped the build from outside.
      const execution = [...deployment.stepFunctions.executions.values()].find((e) => e.arn.endsWith(`:${org}-${sleeping}`));
      expect(execution?.status).toBe('SUCCEEDED');
      expect(execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })).not.toContain('sleep 60');
      // The state is not locked: force-unlock says so (409), reading the absent lock as absent, not as denied.
      const unlock = await http('POST', `/api/v1/organization/${org}/workspace/${ws}/actions/force-unlock`, ops);
      expect([unlock.status, unlock.body?.errors?.[0]?.detail]).toEqual([409, `the state of workspace ${ws} is not locked`]);
      // A lock a killed terraform left (its S3 lock file beside the state) is removed, and what it said is answered.
      const envOf = (fn: (typeof deployment.runtime.functions)[number]) => deployment.runtime.environment(fn, { accessKeyId: 'x', secretAccessKey: 'x', sessionToken: 'x' });
      const bucket = deployment.runtime.functions.map((fn) => envOf(fn).ARTIFACT_BUCKET).find(Boolean) as string;
      const lockKey = `state/${org}/${ws}/terraform.tfstate.tflock`;
      await deployment.putObject(bucket, lockKey, JSON.stringify({ ID: 'lock-1', Operation: 'OperationTypeApply', Who: 'codebuild@ip-10-0-0-1', Version: '1.11.4', Created: '2026-12-01T12:00:00Z', Info: '' }));
      const unlocked = await http('POST', `/api/v1/organization/${org}/workspace/${ws}/actions/force-unlock`, ops);
      expect(unlocked.status, unlocked.text).toBe(200);
      expect(unlocked.body.data.attributes).toMatchObject({ lockId: 'lock-1', operation: 'OperationTypeApply', who: 'codebuild@ip-10-0-0-1' });
      expect(await deployment.objectExists(bucket, lockKey)).toBe(false);
    }, 180_000);

    it('cancels a job waiting for approval: its execution is stopped at once and the workspace is free', async () => {
      const waiting = await job(ws, { tcl: Buffer.from('flow:\n  - type: approval\n    step: 1\n    team: TERRAFORM_CLI\n').toString('base64') });
      await until(waiting, (j) => j.attributes.status === 'waitingApproval' || ended(j));
      expect((await patch(waiting, 'cancelled')).status).toBe(204);
      expect((await until(await job(ws, script('echo next')), ended)).job.attributes.status).toBe('completed');
      await deployment.settle();
      const execution = [...deployment.stepFunctions.executions.values()].find((e) => e.arn.endsWith(`:${org}-${waiting}`));
      expect(execution?.status).toBe('ABORTED');
    }, 120_000);
  });

  it('ran the EventBridge targets, the stream consumer and the asynchronous invocations without a failure', async () => {
    await deployment.settle();
    expect(deployment.asyncFailures).toEqual([]);
    const invoked = (description: string) => deployment.runtime.invocations.get(deployment.runtime.functions.find((f) => f.description === description)?.name ?? '') ?? 0;
    expect(invoked('Marks a step running when its executor build starts')).toBeGreaterThan(0);
    expect(invoked('Fails the job of an execution that ended abnormally')).toBeGreaterThan(0);
    expect(invoked('Makes sure a job handed a workspace has its execution'), deployment.streamErrors.join('; ')).toBeGreaterThan(0);
  });

  it('published the job metrics as EMF, traced every invocation with its AWS SDK calls, and logged no secret', () => {
    const lines = [...deployment.runtime.logs.values()].flat();
    const emf = lines.filter((l) => l.includes('"_aws"')).map((l) => JSON.parse(l) as Json);
    const names = new Set(emf.flatMap((m) => (m._aws.CloudWatchMetrics as Json[]).flatMap((c) => (c.Metrics as Json[]).map((x) => x.Name))));
    for (const name of [METRIC.jobsCreated, METRIC.jobsStarted, METRIC.jobsCompleted, METRIC.jobsCancelled, METRIC.jobDuration]) expect([...names]).toContain(name);
    expect(emf.every((m) => JSON.stringify(m._aws.CloudWatchMetrics[0].Dimensions) === '[["service","via"],["service"]]')).toBe(true);

    const traced = new Set(deployment.runtime.segments.map((s) => deployment.runtime.traces.get(s.trace_id)).filter(Boolean));
    const untraced = [...deployment.runtime.invocations.keys()].filter((name) => !traced.has(name));
    expect(untraced.filter((name) => !/Health|Fallback/.test(name))).toEqual([]);
    const services = new Set(deployment.runtime.segments.filter((s) => s.namespace === 'aws').map((s) => s.name));
    for (const service of ['DynamoDB', 'S3', 'SFN', 'SecretsManager']) expect([...services]).toContain(service);

    for (const secret of [SENSITIVE, ...[...deployment.secrets.values()].map((s) => s.value), admin, ops, approver]) {
      expect(lines.filter((l) => l.includes(secret))).toEqual([]);
    }
  });

  it('made only calls that the roles and resource policies in the template allow', async () => {
    expect(deployment.aws.calls.length).toBeGreaterThan(100);
    const callers = new Set(deployment.aws.calls.map((c) => c.identity.label));
    // Tenant isolation (issue 20): the build makes no AWS call of its own; every object it reached went
    // through a URL Advance presigned for its step, so those calls are Advance's, within Advance's rights.
    expect([...callers].filter((c) => c.startsWith('executor build'))).toEqual([]);
    const presigned = deployment.aws.calls.filter((c) => c.identity.label.startsWith('Job run task: records') && c.service === 's3');
    const reached = (operation: string, key: RegExp) => presigned.some((c) => c.operation === operation && key.test(c.resource));
    expect([reached('GetObject', /\/runs\/.+\.json$/), reached('DeleteObject', /\/runs\/.+\.json$/), reached('GetObject', /\/state\/.+\/terraform\.tfstate$/), reached('PutObject', /\/logs\/.+\.log$/)]).toEqual([true, true, true, true]);
    expect([...callers].some((c) => c.startsWith('state machine'))).toBe(true);
    const denials = await deployment.iam.denials(deployment.aws.calls);
    expect(denials.map((d) => `${d.caller}: ${d.action} on ${d.resource} ${JSON.stringify(d.context)} (${d.decision})`)).toEqual([]);
  }, 120_000);
});
