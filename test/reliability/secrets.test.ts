/**
 * Secrets never leak (issue 7): sensitive variable values and webhook secrets appear in no response
 * (but the one that creates or rotates them), no log line, no step log, and not in plaintext at rest.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentClient } from '../../shared/wiring';
import { drainWebhookQueue } from '../../shared/adapters/local/in-process-delivery-queue';
import { adminToken, call, useTable, type ApiAnswer } from '../helpers/api';
import { b64, createOrganization, createWorkspace, doc } from '../helpers/fixtures';
import { ended, gitRepo, useEngine, waitForJob } from '../helpers/engine';
import { createRule, deliver, githubPush, webhooksPath } from '../helpers/webhooks';

useTable();
const handle = useEngine();
const secrets: string[] = [];
const answers: { what: string; answer: ApiAnswer; reveals?: string }[] = [];
let logged = '';
const [stdout, stderr] = [process.stdout.write.bind(process.stdout), process.stderr.write.bind(process.stderr)];

beforeAll(() => {
  process.env.LOG_LEVEL = 'debug';
  // Everything the service logs in this process, at every level.
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => ((logged += chunk.toString()), stdout(chunk, ...rest))) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) => ((logged += chunk.toString()), stderr(chunk, ...rest))) as typeof process.stderr.write;
});
afterAll(() => {
  process.stdout.write = stdout;
  process.stderr.write = stderr;
  process.env.LOG_LEVEL = 'warn';
});

async function api(what: string, method: string, path: string, options: Parameters<typeof call>[2] = {}, reveals?: string) {
  const answer = await call(method, path, options);
  answers.push({ what, answer, reveals });
  return answer;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('secrets', () => {
  it('never appear where they must not', async () => {
    const admin = await adminToken();
    const org = await createOrganization(admin);
    const repo = gitRepo({ 'main.tf': 'variable "db_password" {\n  type = string\n}\nresource "terraform_data" "db" {\n  input = var.db_password\n}\n' });
    const ws = await createWorkspace(admin, org, { source: repo.path });
    const dbPassword = 'tf-sensitive-7f3a9c1e2b';
    const apiToken = 'env-sensitive-5d8e0b4a6c';
    secrets.push(dbPassword, apiToken);
    const vars = `/api/v1/organization/${org}/workspace/${ws}/variable`;
    await api('create TF var', 'POST', vars, { token: admin, body: doc('variable', { key: 'db_password', value: dbPassword, sensitive: true }) });
    await api('create ENV var', 'POST', vars, { token: admin, body: doc('variable', { key: 'API_TOKEN', value: apiToken, category: 'ENV', sensitive: true }) });
    await api('list vars', 'GET', vars, { token: admin });

    const created = await api('create webhook', 'POST', webhooksPath(org, ws), { token: admin, body: doc('webhook', {}) });
    const hook = created.body.data.id as string;
    secrets.push(created.body.data.attributes.secret);
    answers[answers.length - 1]!.reveals = created.body.data.attributes.secret;
    const rotated = await api('rotate', 'PATCH', `${webhooksPath(org, ws)}/${hook}`, { token: admin, body: { data: { type: 'webhook', id: hook, attributes: { rotateSecret: true } } } });
    const secret = rotated.body.data.attributes.secret as string;
    secrets.push(secret);
    answers[answers.length - 1]!.reveals = secret;
    await api('get webhook', 'GET', `${webhooksPath(org, ws)}/${hook}`, { token: admin });
    await api('list webhooks', 'GET', webhooksPath(org, ws), { token: admin });

    const flow = await api('template', 'POST', `/api/v1/organization/${org}/template`, {
      token: admin,
      body: doc('template', { name: 'leaky', tcl: b64('flow:\n  - type: terraformPlan\n    step: 100\n    commands:\n      - { before: true, script: "echo token=$API_TOKEN; echo pw=$TF_VAR_db_password" }\n  - type: terraformApply\n    step: 200\n') }),
    });
    await createRule(admin, org, ws, hook, { event: 'PUSH', branch: 'main', templateId: flow.body.data.id });
    const push = githubPush('refs/heads/main');
    push.after = repo.head;
    push.head_commit = { ...(push.head_commit as object), id: repo.head, added: [], modified: ['main.tf'], removed: [] };
    push.commits = [push.head_commit];
    const delivery = await deliver(hook, 'github', 'push', push, secret);
    answers.push({ what: 'delivery', answer: delivery });
    expect(delivery.status).toBe(202);
    await drainWebhookQueue();
    const jobs = await api('jobs', 'GET', `/api/v1/organization/${org}/job?include=step`, { token: admin });
    const jobId = jobs.body.data[0].id as string;
    const { job, steps } = await waitForJob(admin, org, jobId, ended);
    expect(job.attributes.status).toBe('completed');
    await api('job', 'GET', `/api/v1/organization/${org}/job/${jobId}?include=step,workspace`, { token: admin });
    for (const step of steps) {
      const log = await api(`log ${step.attributes.name}`, 'GET', `/tfoutput/v1/organization/${org}/job/${jobId}/step/${step.id}`, { token: admin });
      expect(log.text.length).toBeGreaterThan(0);
    }
    await handle.engine.idle(10_000);

    // Responses: only the create and rotate answers show the secret they made.
    for (const { what, answer, reveals } of answers) {
      for (const s of secrets.filter((s) => s !== reveals)) expect(answer.text, `${what} leaks a secret`).not.toContain(s);
    }
    // Step logs mask them (the plan printed the variable, the script echoed both).
    const planLog = answers.find((a) => a.what === 'log Step 100')?.answer.text ?? '';
    expect(planLog).toContain('token=***');
    expect(planLog).toContain('pw=***');
    // Logs of the service, every level.
    expect(logged.length).toBeGreaterThan(0);
    for (const s of secrets) expect(logged, 'a log line leaks a secret').not.toContain(s);
    // Files the service wrote: logs, plans, state are outside its control (terraform's), but step
    // contexts that carried the secrets are gone once read.
    const files = filesUnder(handle.filesDir);
    for (const file of files.filter((f) => f.includes(`${join('logs')}/`))) {
      for (const s of secrets) expect(readFileSync(file, 'utf8'), file).not.toContain(s);
    }
    expect(files.filter((f) => f.includes('/runs/'))).toEqual([]);
    // At rest in the table: webhook secrets are sealed (variables rely on table encryption).
    const items = JSON.stringify((await documentClient().send(new ScanCommand({ TableName: process.env.TABLE_NAME }))).Items);
    for (const s of secrets.slice(2)) expect(items).not.toContain(s);
  });
});
