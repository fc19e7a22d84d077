/**
 * Calls the API in process through `dispatch()` (route table → authorizer → handler, as the local
 * server does), and builds the organization, teams, workspaces and git repository the bench needs.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dispatch } from '../local/server';
import { issuePersonalAccessToken } from '../shared/auth/tokens';
import { WORK } from './env';

export interface Answer {
  status: number;
  body: any;
  text: string;
}

export async function call(method: string, pathAndQuery: string, token: string, body?: unknown): Promise<Answer> {
  const [rawPath, rawQueryString = ''] = pathAndQuery.split('?', 2) as [string, string?];
  const headers: Record<string, string> = { host: 'localhost:8080', 'x-forwarded-proto': 'http', authorization: `Bearer ${token}` };
  if (body !== undefined) headers['content-type'] = 'application/vnd.api+json';
  const result = await dispatch({ method, rawPath, rawQueryString, headers, body: body === undefined ? undefined : Buffer.from(JSON.stringify(body)) });
  const text = Buffer.isBuffer(result.body) ? result.body.toString('utf8') : result.body;
  return { status: result.statusCode, text, body: text && /json/.test(result.headers['content-type'] ?? '') ? JSON.parse(text) : text };
}

export function expectStatus(answer: Answer, status: number, what: string): Answer {
  if (answer.status !== status) throw new Error(`${what}: expected ${status}, got ${answer.status}: ${answer.text.slice(0, 500)}`);
  return answer;
}

export const tokenFor = (email: string, groups: string[]) => issuePersonalAccessToken({ email, groups }, process.env.TERRAKUBE_PAT_SECRET as string);

const doc = (type: string, attributes: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ data: { type, attributes, ...extra } });
export const jobDocument = (workspaceId: string, attributes: Record<string, unknown>) =>
  doc('job', attributes, { relationships: { workspace: { data: { type: 'workspace', id: workspaceId } } } });

let counter = 0;
const unique = (prefix: string) => `${prefix}-${++counter}-${Math.random().toString(36).slice(2, 6)}`;

export interface World {
  admin: string;
  /** A non-admin member of team OPS (manageJob, manageWorkspace): the caller measured everywhere. */
  operator: string;
  org: string;
  templates: Record<string, string>;
}

/** An organization with a team OPS and a token for one of its members. */
export async function createWorld(): Promise<World> {
  const admin = await tokenFor('admin@bench.local', ['TERRAKUBE_ADMIN']);
  const org = expectStatus(await call('POST', '/api/v1/organization', admin, doc('organization', { name: unique('bench') })), 201, 'create organization').body.data.id as string;
  expectStatus(
    await call('POST', `/api/v1/organization/${org}/team`, admin, doc('team', { name: 'OPS', manageJob: true, manageWorkspace: true, manageTemplate: true })),
    201,
    'create team',
  );
  const operator = await tokenFor('ops@bench.local', ['OPS']);
  const list = expectStatus(await call('GET', `/api/v1/organization/${org}/template`, operator), 200, 'list templates');
  const templates = Object.fromEntries((list.body.data as { id: string; attributes: { name: string } }[]).map((t) => [t.attributes.name, t.id]));
  return { admin, operator, org, templates };
}

export async function createWorkspace(world: World, attributes: Record<string, unknown>): Promise<string> {
  const answer = await call('POST', `/api/v1/organization/${world.org}/workspace`, world.operator, doc('workspace', { name: unique('ws'), ...attributes }));
  return expectStatus(answer, 201, 'create workspace').body.data.id as string;
}

export async function postJob(world: World, workspaceId: string, attributes: Record<string, unknown>): Promise<string> {
  const answer = await call('POST', `/api/v1/organization/${world.org}/job`, world.operator, jobDocument(workspaceId, attributes));
  return expectStatus(answer, 201, 'create job').body.data.id as string;
}

export const TF_CONFIG = `variable "greeting" {
  type    = string
  default = "hello"
}
resource "terraform_data" "example" {
  input = var.greeting
}
output "value" {
  value = terraform_data.example.output
}
`;

/** A git repository (one commit: a terraform_data config, no provider to download) under bench/.work. */
export function gitRepo(): string {
  const path = join(WORK, 'repo');
  rmSync(path, { recursive: true, force: true });
  mkdirSync(path, { recursive: true });
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@bench.local', ...args], { cwd: path, stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  writeFileSync(join(path, 'main.tf'), TF_CONFIG);
  git('add', '-A');
  git('commit', '-q', '-m', 'terraform_data');
  return path;
}
