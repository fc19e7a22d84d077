import { beforeAll, describe, expect, it } from 'vitest';
import { adminToken, call, token, useTable } from '../helpers/api';
import { createOrganization, createTeam, createWorkspace, doc } from '../helpers/fixtures';

useTable();
let admin: string;
let org: string;
beforeAll(async () => {
  admin = await adminToken();
  org = await createOrganization(admin);
});

describe('teams', () => {
  it('grants permissions through the token groups they name, and revokes them when changed or deleted', async () => {
    const dev = await token('dev@example.com', ['DEVS']);
    expect((await call('GET', `/api/v1/organization/${org}/workspace`, { token: dev })).status).toBe(404);

    const team = await createTeam(admin, org, 'DEVS');
    expect((await call('GET', `/api/v1/organization/${org}/workspace`, { token: dev })).status).toBe(200);
    const denied = await call('POST', `/api/v1/organization/${org}/workspace`, { token: dev, body: doc('workspace', { name: 'a', source: 'https://x/y.git' }) });
    expect(denied.status).toBe(403);
    expect(denied.body.errors[0].detail).toContain('manageWorkspace');

    const patch = { data: { type: 'team', id: team, attributes: { manageWorkspace: true } } };
    expect((await call('PATCH', `/api/v1/organization/${org}/team/${team}`, { token: admin, body: patch })).status).toBe(204);
    expect((await call('GET', `/api/v1/organization/${org}/team/${team}`, { token: dev })).body.data.attributes).toMatchObject({
      name: 'DEVS',
      manageWorkspace: true,
      manageTemplate: false,
      manageJob: false,
    });
    await createWorkspace(dev, org);

    const rename = { data: { type: 'team', id: team, attributes: { name: 'PLATFORM' } } };
    expect((await call('PATCH', `/api/v1/organization/${org}/team/${team}`, { token: admin, body: rename })).status).toBe(204);
    expect((await call('GET', `/api/v1/organization/${org}/workspace`, { token: dev })).status).toBe(404);
    const platform = await token('p@example.com', ['PLATFORM']);
    await createWorkspace(platform, org);

    expect((await call('DELETE', `/api/v1/organization/${org}/team/${team}`, { token: admin })).status).toBe(204);
    expect((await call('GET', `/api/v1/organization/${org}/workspace`, { token: platform })).status).toBe(404);
  });

  it('allows one team per group and only administrators to manage teams', async () => {
    await createTeam(admin, org, 'QA');
    expect((await call('POST', `/api/v1/organization/${org}/team`, { token: admin, body: doc('team', { name: 'QA' }) })).status).toBe(409);
    const qa = await token('qa@example.com', ['QA']);
    expect((await call('POST', `/api/v1/organization/${org}/team`, { token: qa, body: doc('team', { name: 'QA2' }) })).status).toBe(403);
    const list = await call('GET', `/api/v1/organization/${org}/team`, { token: qa });
    expect(list.body.data.map((t: any) => t.attributes.name)).toContain('QA');
  });

  it('rejects invalid team attributes with a pointer', async () => {
    const res = await call('POST', `/api/v1/organization/${org}/team`, { token: admin, body: doc('team', { name: 'has space', manageJob: 'yes' }) });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: any) => e.source.pointer).sort()).toEqual(['/data/attributes/manageJob', '/data/attributes/name']);
  });
});
