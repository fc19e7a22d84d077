import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { localLockInfo } from '../../shared/runs/state-lock';
import { artifactStore } from '../../shared/wiring';
import { adminToken, call, token, useTable } from '../helpers/api';
import { createOrganization, createTeam, createWorkspace, doc, templateId } from '../helpers/fixtures';

useTable();
let admin: string;
let org: string;
let member: string;
beforeAll(async () => {
  admin = await adminToken();
  org = await createOrganization(admin);
  await createTeam(admin, org, 'WS_MANAGERS', { manageWorkspace: true });
  member = await token('wm@example.com', ['WS_MANAGERS']);
});

const wsPath = (id = '') => `/api/v1/organization/${org}/workspace${id ? `/${id}` : ''}`;

describe('workspaces', () => {
  it('creates a workspace with defaults and reads it back', async () => {
    const res = await call('POST', wsPath(), { token: member, body: doc('workspace', { name: 'network', source: 'git@github.com:acme/network.git' }) });
    expect(res.status).toBe(201);
    expect(res.body.data.attributes).toMatchObject({
      name: 'network',
      source: 'git@github.com:acme/network.git',
      branch: 'main',
      folder: '/',
      iacType: 'terraform',
      locked: false,
      defaultTemplate: null,
      terraformVersion: null,
    });
    const got = await call('GET', wsPath(res.body.data.id), { token: member });
    expect(got.body.data).toEqual(res.body.data);
    const list = await call('GET', wsPath(), { token: member });
    expect(list.body.data.map((w: any) => w.id)).toContain(res.body.data.id);
  });

  it.each([
    ['source', { name: 'a', source: 'ftp://x/y' }],
    ['branch', { name: 'a', source: 'https://x/y.git', branch: '../etc' }],
    ['folder', { name: 'a', source: 'https://x/y.git', folder: '/a/../../b' }],
    ['iacType', { name: 'a', source: 'https://x/y.git', iacType: 'pulumi' }],
    ['terraformVersion', { name: 'a', source: 'https://x/y.git', terraformVersion: 'latest' }],
    ['name', { name: '', source: 'https://x/y.git' }],
    ['locked', { name: 'a', source: 'https://x/y.git', locked: 'maybe' }],
  ])('rejects a bad %s with a pointer to it', async (field, attributes) => {
    const res = await call('POST', wsPath(), { token: member, body: doc('workspace', attributes) });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].source.pointer).toBe(`/data/attributes/${field}`);
  });

  it('accepts local sources only when served locally', async () => {
    const res = await call('POST', wsPath(), { token: member, body: doc('workspace', { name: 'local-one', source: '/srv/repos/infra' }) });
    expect(res.status).toBe(201);
    // A bare absolute path is stored as the file:// URL it means (issue 18), so the UI can show it.
    expect(res.body.data.attributes.source).toBe('file:///srv/repos/infra');
  });

  it('checks defaultTemplate belongs to the organization', async () => {
    const unknown = await call('POST', wsPath(), { token: member, body: doc('workspace', { name: 'x1', source: 'https://x/y.git', defaultTemplate: crypto.randomUUID() }) });
    expect(unknown.status).toBe(404);
    const plan = await templateId(admin, org, 'Plan');
    const ok = await call('POST', wsPath(), { token: member, body: doc('workspace', { name: 'x2', source: 'https://x/y.git', defaultTemplate: plan }) });
    expect(ok.body.data.attributes.defaultTemplate).toBe(plan);
  });

  it('updates, locks (also from the string "true"), renames and deletes', async () => {
    const id = await createWorkspace(member, org, { name: 'app' });
    const patch = (attributes: Record<string, unknown>) => call('PATCH', wsPath(id), { token: member, body: { data: { type: 'workspace', id, attributes } } });
    expect((await patch({ locked: 'true', branch: 'develop', folder: 'envs/prod/' })).status).toBe(204);
    expect((await call('GET', wsPath(id), { token: member })).body.data.attributes).toMatchObject({ locked: true, branch: 'develop', folder: '/envs/prod' });
    await createWorkspace(member, org, { name: 'taken' });
    expect((await patch({ name: 'taken' })).status).toBe(409);
    expect((await patch({ name: 'app-renamed' })).status).toBe(204);
    await createWorkspace(member, org, { name: 'app' });
    expect((await call('DELETE', wsPath(id), { token: member })).status).toBe(204);
    expect((await call('GET', wsPath(id), { token: member })).status).toBe(404);
  });

  it('treats a workspace of another organization as not found', async () => {
    const otherOrg = await createOrganization(admin);
    const foreign = await createWorkspace(admin, otherOrg);
    expect((await call('GET', wsPath(foreign), { token: admin })).status).toBe(404);
    expect((await call('GET', wsPath('not-a-uuid'), { token: admin })).status).toBe(404);
  });
});

describe('variables', () => {
  it('never returns or logs a sensitive value, not even in the create response', async () => {
    const ws = await createWorkspace(member, org);
    const base = `${wsPath(ws)}/variable`;
    const secret = 'hunter2-super-secret-value';
    const created = await call('POST', base, { token: member, body: doc('variable', { key: 'db_password', value: secret, sensitive: true }) });
    expect(created.status).toBe(201);
    expect(created.body.data.attributes).toMatchObject({ key: 'db_password', value: null, sensitive: true, category: 'TERRAFORM' });
    const plain = await call('POST', base, { token: member, body: doc('variable', { key: 'REGION', value: 'eu-west-1', category: 'ENV' }) });
    expect(plain.body.data.attributes.value).toBe('eu-west-1');

    const list = await call('GET', base, { token: member });
    expect(list.text).not.toContain(secret);
    expect(list.body.data).toHaveLength(2);
    const one = await call('GET', `${base}/${created.body.data.id}`, { token: member });
    expect(one.text).not.toContain(secret);

    const unset = await call('PATCH', `${base}/${created.body.data.id}`, { token: member, body: { data: { type: 'variable', id: created.body.data.id, attributes: { sensitive: false } } } });
    expect(unset.status).toBe(400);
  });

  it('keeps keys unique per category and validates them', async () => {
    const ws = await createWorkspace(member, org);
    const base = `${wsPath(ws)}/variable`;
    await call('POST', base, { token: member, body: doc('variable', { key: 'size', value: '1' }) });
    expect((await call('POST', base, { token: member, body: doc('variable', { key: 'size', value: '2' }) })).status).toBe(409);
    expect((await call('POST', base, { token: member, body: doc('variable', { key: 'size', value: '2', category: 'ENV' }) })).status).toBe(201);
    const bad = await call('POST', base, { token: member, body: doc('variable', { key: '1-bad key', value: '2' }) });
    expect(bad.body.errors[0].source.pointer).toBe('/data/attributes/key');
  });

  it('needs manageWorkspace to write and membership to read', async () => {
    const ws = await createWorkspace(member, org);
    await createTeam(admin, org, 'READERS');
    const reader = await token('r@example.com', ['READERS']);
    const base = `${wsPath(ws)}/variable`;
    expect((await call('POST', base, { token: reader, body: doc('variable', { key: 'a', value: 'b' }) })).status).toBe(403);
    expect((await call('GET', base, { token: reader })).status).toBe(200);
    const outsider = await token('o@example.com', ['NOBODY']);
    expect((await call('GET', base, { token: outsider })).status).toBe(404);
  });
});

describe("force-unlock of a workspace's state", () => {
  it('removes the lock a killed terraform left and answers what it said; 409 when not locked; manageWorkspace only', async () => {
    const ws = (await call('POST', wsPath(), { token: member, body: doc('workspace', { name: 'locked', source: 'https://x/y.git' }) })).body.data.id as string;
    const unlock = (tok: string, id = ws) => call('POST', `${wsPath(id)}/actions/force-unlock`, { token: tok });
    const info = localLockInfo(artifactStore().stateRef(org, ws));
    mkdirSync(dirname(info), { recursive: true });
    writeFileSync(info, JSON.stringify({ ID: 'f3c1', Operation: 'OperationTypeApply', Info: '', Who: 'runner@host', Version: '1.11.4', Created: '2026-12-01T12:00:00Z', Path: 'terraform.tfstate' }));

    const reader = await token('reader@example.com', []);
    expect((await unlock(reader)).status).toBe(404); // not a member of the organization
    await createTeam(admin, org, 'WS_READERS');
    expect((await unlock(await token('wr@example.com', ['WS_READERS']))).status).toBe(403);
    expect(existsSync(info)).toBe(true);

    const res = await unlock(member);
    expect(res.status, res.text).toBe(200);
    expect(res.body.data).toMatchObject({ type: 'state_lock', id: ws, attributes: { lockId: 'f3c1', operation: 'OperationTypeApply', who: 'runner@host', created: '2026-12-01T12:00:00Z' } });
    expect(existsSync(info)).toBe(false);

    const again = await unlock(admin);
    expect([again.status, again.body.errors[0].detail]).toEqual([409, `the state of workspace ${ws} is not locked`]);
    expect((await unlock(admin, '00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });
});
