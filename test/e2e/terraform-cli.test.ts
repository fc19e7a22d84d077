/**
 * The terraform CLI as a user runs it: a `cloud` block pointing at `npm start` over HTTPS (a throwaway
 * openssl certificate, trusted through SSL_CERT_FILE), a token in a CLI config `credentials` block, and
 * the real terraform binary for init, plan, apply (typed "yes"), output, state list, destroy, a Ctrl-C
 * and a forged token. Every remote run is a `via: CLI` job with readable step logs. One server for all.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../helpers/server';

const dir = mkdtempSync(join(tmpdir(), 'terrakube-tf-cli-'));
const cert = join(dir, 'cert.pem');
let server: RunningServer | undefined;
let hanging: Server | undefined;
let host = '';
let admin = '';
let orgId = '';

interface Answer {
  status: number;
  text: string;
  body: any;
}

/** An HTTPS call that trusts the throwaway certificate (as terraform does through SSL_CERT_FILE). */
function api(method: string, path: string, body?: unknown, token = admin): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${server?.url}${path}`,
      { method, ca: readFileSync(cert), headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/vnd.api+json' } : {}) } },
      (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text, body: /json/.test(res.headers['content-type'] ?? '') && text ? JSON.parse(text) : undefined }));
      },
    );
    req.on('error', reject);
    req.end(body ? JSON.stringify(body) : undefined);
  });
}

interface TerraformRun {
  code: number | null;
  out: string;
}

/** Runs terraform in a project dir; `input` is typed at its prompt, `interrupt` sends Ctrl-C once the output matches. */
function terraform(project: string, args: string[], options: { input?: string; config?: string; interrupt?: RegExp } = {}): Promise<TerraformRun> {
  const child = spawn('terraform', [...args, '-no-color'], {
    cwd: join(dir, project),
    env: {
      PATH: process.env.PATH,
      HOME: dir,
      SSL_CERT_FILE: cert,
      TF_CLI_CONFIG_FILE: join(dir, options.config ?? 'tfrc'),
      CHECKPOINT_DISABLE: '1',
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let interrupted = false;
  const seen = (d: Buffer) => {
    out += d;
    if (options.interrupt && !interrupted && options.interrupt.test(out)) {
      interrupted = true;
      child.kill('SIGINT');
    }
  };
  child.stdout.on('data', seen);
  child.stderr.on('data', seen);
  child.stdin.end(options.input ?? '');
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, out })));
}

function project(name: string, workspace: string, body: string): void {
  mkdirSync(join(dir, name), { recursive: true });
  const cloud = `terraform {\n  cloud {\n    hostname     = "${host}"\n    organization = "acme"\n    workspaces { name = "${workspace}" }\n  }\n}\n`;
  writeFileSync(join(dir, name, 'main.tf'), cloud + body);
}

const CONFIG = `variable "greeting" {
  type    = string
  default = "hello"
}
resource "terraform_data" "hello" {
  input = var.greeting
}
output "greeting" { value = terraform_data.hello.output }
output "secret" {
  value     = "s3cr3t"
  sensitive = true
}
`;

/** The newest job of the organization, with its steps' logs. */
async function newestJob(): Promise<{ id: string; attributes: any; logs: string[] }> {
  const list = await api('GET', `/api/v1/organization/${orgId}/job?sort=-id&page%5Bsize%5D=1`);
  const job = list.body.data[0];
  if (!job) return { id: '', attributes: {}, logs: [] };
  const steps = await api('GET', `/api/v1/organization/${orgId}/job/${job.id}/step`);
  const logs = await Promise.all(steps.body.data.map(async (s: { id: string }) => (await api('GET', `/tfoutput/v1/organization/${orgId}/job/${job.id}/step/${s.id}`)).text));
  return { id: job.id, attributes: job.attributes, logs };
}

beforeAll(async () => {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
  server = await startServer({ TERRAKUBE_DATA_DIR: join(dir, 'data'), TERRAKUBE_TLS_CERT_FILE: cert, TERRAKUBE_TLS_KEY_FILE: join(dir, 'key.pem'), AWS_EC2_METADATA_DISABLED: 'true' });
  host = new URL(server.url).host;
  admin = server.output().match(/^(eyJ[\w-]+\.[\w-]+\.[\w-]+)$/m)?.[1] ?? '';
  writeFileSync(join(dir, 'tfrc'), `credentials "${host}" {\n  token = "${admin}"\n}\n`);
  const org = await api('POST', '/api/v1/organization', { data: { type: 'organization', attributes: { name: 'acme' } } });
  expect(org.status, org.text).toBe(201);
  orgId = org.body.data.id;
  project('demo', 'demo', CONFIG);
}, 120_000);

afterAll(async () => {
  hanging?.closeAllConnections();
  hanging?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('terraform CLI with a cloud block against npm start over HTTPS', { timeout: 120_000 }, () => {
  it('init creates the workspace (a CLI workspace with no source, on the CLI version)', async () => {
    const init = await terraform('demo', ['init', '-input=false']);
    expect(init.code, init.out).toBe(0);
    expect(init.out).toContain('HCP Terraform has been successfully initialized!');
    const ws = await api('GET', '/api/v2/organizations/acme/workspaces/demo');
    expect(ws.status).toBe(200);
    expect(ws.body.data.attributes).toMatchObject({ name: 'demo', 'execution-mode': 'remote', 'vcs-repo': null });
    expect(ws.body.data.attributes['terraform-version']).toMatch(/^1\.\d+\.\d+$/);
  });

  it('plan streams the remote plan; the run is a via: CLI plan-only job with a readable step log', async () => {
    const plan = await terraform('demo', ['plan']);
    expect(plan.code, plan.out).toBe(0);
    expect(plan.out).toContain('Running plan in Terraform Enterprise');
    expect(plan.out).toContain('Plan: 1 to add, 0 to change, 0 to destroy.');
    const job = await newestJob();
    expect(job.attributes).toMatchObject({ via: 'CLI', status: 'completed' });
    expect(job.logs).toHaveLength(1);
    expect(job.logs[0]).toContain('Plan: 1 to add');
  });

  it('apply waits at the prompt, applies after "yes", and keeps the state; output and state list read it back', async () => {
    const apply = await terraform('demo', ['apply'], { input: 'yes\n' });
    expect(apply.code, apply.out).toBe(0);
    expect(apply.out).toContain('Do you want to perform these actions in workspace "demo"?');
    expect(apply.out).toContain('Apply complete! Resources: 1 added, 0 changed, 0 destroyed.');
    const job = await newestJob();
    expect(job.attributes).toMatchObject({ via: 'CLI', status: 'completed' });
    expect(job.logs.join('\n')).toContain('Apply complete!');

    const output = await terraform('demo', ['output']);
    expect(output.out).toContain('greeting = "hello"');
    expect(output.out).toContain('secret = <sensitive>');
    const json = JSON.parse((await terraform('demo', ['output', '-json'])).out);
    expect(json.secret).toMatchObject({ sensitive: true, value: 's3cr3t' });
    const list = await terraform('demo', ['state', 'list']);
    expect(list.code, list.out).toBe(0);
    expect(list.out.trim()).toBe('terraform_data.hello');
  });

  it('answering "no" discards the run', async () => {
    writeFileSync(join(dir, 'demo', 'main.tf'), readFileSync(join(dir, 'demo', 'main.tf'), 'utf8').replace('"hello"', '"changed"'));
    const apply = await terraform('demo', ['apply'], { input: 'no\n' });
    expect(apply.out).toContain('Apply discarded.');
    expect((await newestJob()).attributes.status).toBe('rejected');
    writeFileSync(join(dir, 'demo', 'main.tf'), readFileSync(join(dir, 'demo', 'main.tf'), 'utf8').replace('"changed"', '"hello"'));
  });

  it('a second plan finds no changes', async () => {
    const plan = await terraform('demo', ['plan']);
    expect(plan.code, plan.out).toBe(0);
    expect(plan.out).toContain('No changes. Your infrastructure matches the configuration.');
  });

  it('picks up a workspace variable set through the Jobs API; apply -auto-approve applies without a prompt', async () => {
    const ws = await api('GET', '/api/v2/organizations/acme/workspaces/demo');
    const workspaceId = String(ws.body.data.id).replace(/^ws-/, '');
    const variable = await api('POST', `/api/v1/organization/${orgId}/workspace/${workspaceId}/variable`, { data: { type: 'variable', attributes: { key: 'greeting', value: 'from-the-api', category: 'TERRAFORM' } } });
    expect(variable.status, variable.text).toBe(201);
    const apply = await terraform('demo', ['apply', '-auto-approve']);
    expect(apply.code, apply.out).toBe(0);
    expect(apply.out).toContain('~ input  = "hello" -> "from-the-api"');
    expect(apply.out).toContain('Apply complete! Resources: 0 added, 1 changed, 0 destroyed.');
    expect((await terraform('demo', ['output', 'greeting'])).out.trim()).toBe('"from-the-api"');
  });

  it('destroy -auto-approve destroys, and the state is empty again', async () => {
    const destroy = await terraform('demo', ['destroy', '-auto-approve']);
    expect(destroy.code, destroy.out).toBe(0);
    expect(destroy.out).toMatch(/Resources: 0 added, 0 changed, 1 destroyed\./);
    expect((await newestJob()).attributes).toMatchObject({ via: 'CLI', status: 'completed' });
    expect((await terraform('demo', ['state', 'list'])).out.trim()).toBe('');
  });

  it('Ctrl-C while the remote plan runs cancels the run', async () => {
    // A plan that reads a remote state from a server that never answers: it runs until cancelled.
    hanging = createServer(() => undefined);
    await new Promise<void>((ok) => hanging?.listen(0, '127.0.0.1', ok));
    const port = (hanging.address() as { port: number }).port;
    project('slow', 'slow', `data "terraform_remote_state" "slow" {\n  backend = "http"\n  config = { address = "http://127.0.0.1:${port}/state" }\n}\nresource "terraform_data" "x" {}\n`);
    expect((await terraform('slow', ['init', '-input=false'])).code).toBe(0);
    const apply = await terraform('slow', ['apply', '-auto-approve'], { interrupt: /\$ terraform plan/ });
    expect(apply.out).toContain('The remote operation was successfully cancelled.');
    const deadline = Date.now() + 30_000;
    let job = await newestJob();
    while (job.attributes.status !== 'cancelled' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      job = await newestJob();
    }
    expect(job.attributes).toMatchObject({ via: 'CLI', status: 'cancelled' });
  });

  it('local execution mode: terraform applies on this machine and keeps only the state here (no job); state push; force-unlock', async () => {
    project('local', 'local-ws', CONFIG);
    expect((await terraform('local', ['init', '-input=false'])).code).toBe(0);
    const ws = await api('GET', '/api/v2/organizations/acme/workspaces/local-ws');
    const patched = await api('PATCH', `/api/v2/workspaces/${ws.body.data.id}`, { data: { type: 'workspaces', attributes: { 'execution-mode': 'local' } } });
    expect(patched.body.data.attributes['execution-mode']).toBe('local');
    const jobsBefore = (await newestJob()).id;

    const apply = await terraform('local', ['apply', '-auto-approve']);
    expect(apply.code, apply.out).toBe(0);
    expect(apply.out).toContain('Apply complete! Resources: 1 added, 0 changed, 0 destroyed.');
    expect(apply.out).not.toContain('Running apply in');
    expect((await newestJob()).id).toBe(jobsBefore);
    const current = await api('GET', `/api/v2/workspaces/${ws.body.data.id}/current-state-version`);
    expect(current.status).toBe(200);
    expect((await api('GET', `/api/v2/workspaces/${ws.body.data.id}`)).body.data.attributes.locked).toBe(false);
    expect((await terraform('local', ['output', 'greeting'])).out.trim()).toBe('"hello"');

    // state pull → push of the next serial: a new current version.
    const pulled = JSON.parse((await terraform('local', ['state', 'pull'])).out);
    writeFileSync(join(dir, 'local', 'pushed.tfstate'), JSON.stringify({ ...pulled, serial: pulled.serial + 1 }));
    const push = await terraform('local', ['state', 'push', 'pushed.tfstate']);
    expect(push.code, push.out).toBe(0);
    const after = await api('GET', `/api/v2/workspaces/${ws.body.data.id}/current-state-version`);
    expect(after.body.data.attributes.serial).toBeGreaterThan(pulled.serial);
    expect(after.body.data.id).not.toBe(current.body.data.id);

    // A lock left behind is released by terraform force-unlock (its lock id is <org>/<workspace>).
    expect((await api('POST', `/api/v2/workspaces/${ws.body.data.id}/actions/lock`, { data: { type: '', attributes: {} } })).status).toBe(200);
    const blocked = await terraform('local', ['state', 'push', 'pushed.tfstate']);
    expect(blocked.out).toContain('Error acquiring the state lock');
    const unlock = await terraform('local', ['force-unlock', '-force', 'acme/local-ws']);
    expect(unlock.code, unlock.out).toBe(0);
    expect((await api('GET', `/api/v2/workspaces/${ws.body.data.id}`)).body.data.attributes.locked).toBe(false);
  });

  it('terraform login takes a pasted token, checks it and stores it', async () => {
    // terraform reads the token from a terminal only: `script` gives it one.
    const home = join(dir, 'login-home');
    mkdirSync(join(home, '.terraform.d'), { recursive: true });
    const child = spawn('script', ['-qfc', `terraform login -no-color ${host}`, '/dev/null'], { env: { PATH: process.env.PATH, HOME: home, SSL_CERT_FILE: cert, CHECKPOINT_DISABLE: '1' } });
    let out = '';
    let prompts = 0;
    child.stdout.on('data', (d) => {
      out += d;
      const seen = out.split('Enter a value:').length - 1;
      if (seen > prompts) child.stdin.write(prompts++ === 0 ? 'yes\r' : `${admin}\r`);
    });
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code, out).toBe(0);
    expect(out).toContain('Success! Logged in to Terraform Enterprise');
    const saved = JSON.parse(readFileSync(join(home, '.terraform.d', 'credentials.tfrc.json'), 'utf8'));
    expect(saved.credentials[host].token).toBe(admin);
  });

  it('refuses a forged token before anything else', async () => {
    const forged = admin.replace(/\.[\w-]+$/, '.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    writeFileSync(join(dir, 'tfrc-forged'), `credentials "${host}" {\n  token = "${forged}"\n}\n`);
    const plan = await terraform('demo', ['plan'], { config: 'tfrc-forged' });
    expect(plan.code).toBe(1);
    expect(plan.out).toContain('Failed to read organization "acme"');
    expect(plan.out).toContain('unauthorized');
  });
});
