/** Builders for the resources most tests need, through the API itself. */
import { expect } from 'vitest';
import { call, type ApiAnswer } from './api';

export const doc = (type: string, attributes: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  data: { type, attributes, ...extra },
});
export const workspaceLink = (id: string) => ({ relationships: { workspace: { data: { type: 'workspace', id } } } });

function created(answer: ApiAnswer): string {
  expect(answer.status, answer.text).toBe(201);
  return answer.body.data.id as string;
}

let counter = 0;
export const unique = (prefix: string) => `${prefix}-${process.pid}-${++counter}-${Math.random().toString(36).slice(2, 6)}`;

export async function createOrganization(admin: string, name = unique('org')): Promise<string> {
  return created(await call('POST', '/api/v1/organization', { token: admin, body: doc('organization', { name }) }));
}

export async function createTeam(admin: string, org: string, name: string, flags: Record<string, boolean> = {}): Promise<string> {
  return created(await call('POST', `/api/v1/organization/${org}/team`, { token: admin, body: doc('team', { name, ...flags }) }));
}

export async function createWorkspace(tok: string, org: string, attributes: Record<string, unknown> = {}): Promise<string> {
  return created(
    await call('POST', `/api/v1/organization/${org}/workspace`, {
      token: tok,
      body: doc('workspace', { name: unique('ws'), source: 'https://github.com/example/infra.git', ...attributes }),
    }),
  );
}

export async function templateId(tok: string, org: string, name: string): Promise<string> {
  const list = await call('GET', `/api/v1/organization/${org}/template`, { token: tok });
  const found = list.body.data.find((t: { attributes: { name: string } }) => t.attributes.name === name);
  if (!found) throw new Error(`no template ${name}`);
  return found.id;
}

export async function postJob(tok: string, org: string, workspace: string, attributes: Record<string, unknown>): Promise<ApiAnswer> {
  return call('POST', `/api/v1/organization/${org}/job`, { token: tok, body: doc('job', attributes, workspaceLink(workspace)) });
}

export async function createJob(tok: string, org: string, workspace: string, attributes: Record<string, unknown> = { command: 'plan' }): Promise<string> {
  return created(await postJob(tok, org, workspace, attributes));
}

export const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
