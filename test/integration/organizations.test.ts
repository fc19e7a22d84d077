import { beforeAll, describe, expect, it } from 'vitest';
import { adminToken, call, token, useTable } from '../helpers/api';
import { createOrganization, createTeam, createWorkspace, doc, unique } from '../helpers/fixtures';

useTable();
let admin: string;
beforeAll(async () => {
  admin = await adminToken();
});

describe('organizations', () => {
  it('creates an organization with its five default templates', async () => {
    const name = unique('acme');
    const res = await call('POST', '/api/v1/organization', { token: admin, body: doc('organization', { name, description: 'ours' }) });
    expect(res.status).toBe(201);
    expect(res.headers['content-type']).toBe('application/vnd.api+json');
    expect(res.headers.location).toBe(`http://localhost:8080/api/v1/organization/${res.body.data.id}`);
    expect(res.body.data.attributes).toMatchObject({ name, description: 'ours', createdBy: 'admin@example.com' });
    expect(res.body.data.attributes.createdDate).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const templates = await call('GET', `/api/v1/organization/${res.body.data.id}/template`, { token: admin });
    expect(templates.body.data.map((t: any) => t.attributes.name).sort()).toEqual(
      ['Destroy', 'Plan', 'Plan and apply', 'Terraform-Plan/Apply-Cli', 'Terraform-Plan/Destroy-Cli'].sort(),
    );
  });

  it('keeps names unique and reports the conflict on the name', async () => {
    const name = unique('dup');
    await createOrganization(admin, name);
    const again = await call('POST', '/api/v1/organization', { token: admin, body: doc('organization', { name: name.toUpperCase() }) });
    expect(again.status).toBe(409);
    expect(again.body.errors[0]).toMatchObject({ status: '409', source: { pointer: '/data/attributes/name' } });
  });

  it('lets only administrators create, update and delete organizations', async () => {
    const org = await createOrganization(admin);
    await createTeam(admin, org, 'OPS', { manageWorkspace: true, manageJob: true, manageTemplate: true });
    const member = await token('ops@example.com', ['OPS']);
    expect((await call('POST', '/api/v1/organization', { token: member, body: doc('organization', { name: unique('x') }) })).status).toBe(403);
    expect((await call('PATCH', `/api/v1/organization/${org}`, { token: member, body: { data: { type: 'organization', id: org, attributes: { name: 'y' } } } })).status).toBe(403);
    expect((await call('DELETE', `/api/v1/organization/${org}`, { token: member })).status).toBe(403);
    expect((await call('GET', `/api/v1/organization/${org}`, { token: member })).status).toBe(200);
  });

  it('hides organizations from outsiders: 404, not 403', async () => {
    const org = await createOrganization(admin);
    const outsider = await token('stranger@example.com', ['OTHERS']);
    const res = await call('GET', `/api/v1/organization/${org}`, { token: outsider });
    expect(res.status).toBe(404);
    expect(res.body.errors[0].detail).toBe(`organization ${org} does not exist`);
    const unknown = await call('GET', `/api/v1/organization/${crypto.randomUUID()}`, { token: admin });
    expect(unknown.body.errors[0].detail).toMatch(/does not exist$/);
  });

  it('lists all organizations for admins and only their own for members', async () => {
    const mine = await createOrganization(admin);
    const other = await createOrganization(admin);
    const group = unique('G');
    await createTeam(admin, mine, group);
    const member = await token('m@example.com', [group]);
    const listed = await call('GET', '/api/v1/organization', { token: member });
    expect(listed.body.data.map((o: any) => o.id)).toEqual([mine]);
    const all = await call('GET', '/api/v1/organization', { token: admin });
    expect(all.body.data.map((o: any) => o.id)).toEqual(expect.arrayContaining([mine, other]));
  });

  it('renames an organization and frees the old name', async () => {
    const oldName = unique('old');
    const org = await createOrganization(admin, oldName);
    const newName = unique('new');
    const res = await call('PATCH', `/api/v1/organization/${org}`, { token: admin, body: { data: { type: 'organization', id: org, attributes: { name: newName } } } });
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect((await call('GET', `/api/v1/organization/${org}`, { token: admin })).body.data.attributes.name).toBe(newName);
    await createOrganization(admin, oldName);
  });

  it('refuses to delete an organization that still has workspaces, then deletes it and everything in it', async () => {
    const name = unique('gone');
    const org = await createOrganization(admin, name);
    const ws = await createWorkspace(admin, org);
    expect((await call('DELETE', `/api/v1/organization/${org}`, { token: admin })).status).toBe(409);
    expect((await call('DELETE', `/api/v1/organization/${org}/workspace/${ws}`, { token: admin })).status).toBe(204);
    expect((await call('DELETE', `/api/v1/organization/${org}`, { token: admin })).status).toBe(204);
    expect((await call('GET', `/api/v1/organization/${org}`, { token: admin })).status).toBe(404);
    expect((await call('GET', `/api/v1/organization/${org}/template`, { token: admin })).status).toBe(404);
    await createOrganization(admin, name);
  });
});
