/** The v1.3 paths /workspace/{ws}/job[/{id}]: the seed's request, scoping, and the delete rules. */
import { beforeAll, describe, expect, it } from 'vitest';
import { adminToken, call, token, useTable } from '../helpers/api';
import { createJob, createOrganization, createTeam, createWorkspace, templateId } from '../helpers/fixtures';

useTable();
let admin: string;
let org: string;
let ws: string;
let otherWs: string;
let operator: string;
let reader: string;
beforeAll(async () => {
  admin = await adminToken();
  org = await createOrganization(admin);
  await createTeam(admin, org, 'OPS', { manageJob: true });
  await createTeam(admin, org, 'VIEW');
  operator = await token('ops@example.com', ['OPS']);
  reader = await token('view@example.com', ['VIEW']);
  ws = await createWorkspace(admin, org);
  otherWs = await createWorkspace(admin, org);
});

const seedBody = (workspaceId: string, command: string) => ({
  data: { type: 'job', attributes: { command }, relationships: { workspace: { data: { type: 'workspace', id: workspaceId } } } },
});

describe('/workspace/{ws}/job', () => {
  it("accepts the seed's v1.3 request and returns the command with the template it picked", async () => {
    const res = await call('POST', `/api/v1/workspace/${ws}/job`, { token: operator, body: seedBody(ws, 'plan') });
    expect(res.status).toBe(201);
    expect(res.body.data.attributes).toMatchObject({ command: 'plan', templateReference: await templateId(admin, org, 'Plan'), status: 'pending' });
    expect(res.headers.location).toBe(`http://localhost:8080/api/v1/organization/${org}/job/${res.body.data.id}`);
    const apply = await call('POST', `/api/v1/workspace/${ws}/job`, { token: operator, body: { data: { type: 'job', attributes: { command: 'apply' } } } });
    expect(apply.body.data.attributes.templateReference).toBe(await templateId(admin, org, 'Plan and apply'));
  });

  it('rejects other commands and a workspace relationship that contradicts the path', async () => {
    const bad = await call('POST', `/api/v1/workspace/${ws}/job`, { token: operator, body: seedBody(ws, 'import') });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].source.pointer).toBe('/data/attributes/command');
    expect((await call('POST', `/api/v1/workspace/${ws}/job`, { token: operator, body: seedBody(otherWs, 'plan') })).status).toBe(409);
  });

  it('serves the same jobs as the organization path, and only those of the workspace', async () => {
    const mine = await createJob(operator, org, ws);
    const theirs = await createJob(operator, org, otherWs);
    const viaWs = await call('GET', `/api/v1/workspace/${ws}/job/${mine}`, { token: reader });
    const viaOrg = await call('GET', `/api/v1/organization/${org}/job/${mine}`, { token: reader });
    expect(viaWs.status).toBe(200);
    expect(viaWs.body.data).toEqual(viaOrg.body.data);
    expect((await call('GET', `/api/v1/workspace/${ws}/job/${theirs}`, { token: reader })).status).toBe(404);
    const listed = (await call('GET', `/api/v1/workspace/${ws}/job?page[size]=100`, { token: reader })).body.data.map((j: any) => j.id);
    expect(listed).toContain(mine);
    expect(listed).not.toContain(theirs);
  });

  it('hides the workspace from outsiders and answers 404 for unknown workspaces', async () => {
    const outsider = await token('o@example.com', ['NOPE']);
    const job = await createJob(operator, org, ws);
    expect((await call('GET', `/api/v1/workspace/${ws}/job`, { token: outsider })).status).toBe(404);
    expect((await call('GET', `/api/v1/workspace/${ws}/job/${job}`, { token: outsider })).status).toBe(404);
    expect((await call('POST', `/api/v1/workspace/${ws}/job`, { token: outsider, body: seedBody(ws, 'plan') })).status).toBe(404);
    expect((await call('GET', `/api/v1/workspace/${crypto.randomUUID()}/job`, { token: admin })).status).toBe(404);
  });

  it('cancels through the workspace path, and not through another workspace', async () => {
    const job = await createJob(operator, org, ws);
    const body = { data: { type: 'job', id: job, attributes: { status: 'cancelled' } } };
    expect((await call('PATCH', `/api/v1/workspace/${otherWs}/job/${job}`, { token: operator, body })).status).toBe(404);
    expect((await call('PATCH', `/api/v1/workspace/${ws}/job/${job}`, { token: operator, body })).status).toBe(204);
    expect((await call('GET', `/api/v1/workspace/${ws}/job/${job}`, { token: operator })).body.data.attributes.status).toBe('cancelled');
  });
});

describe('deleting jobs', () => {
  it('deletes only ended jobs (409 "cancel the job first"), needs manageJob, and takes the steps along', async () => {
    const job = await createJob(operator, org, ws);
    const active = await call('DELETE', `/api/v1/workspace/${ws}/job/${job}`, { token: operator });
    expect(active.status).toBe(409);
    expect(active.body.errors[0].detail).toBe('the job is pending; cancel the job first');
    await call('PATCH', `/api/v1/workspace/${ws}/job/${job}`, { token: operator, body: { data: { type: 'job', id: job, attributes: { status: 'cancelled' } } } });
    expect((await call('DELETE', `/api/v1/workspace/${otherWs}/job/${job}`, { token: operator })).status).toBe(404);
    expect((await call('DELETE', `/api/v1/workspace/${ws}/job/${job}`, { token: reader })).status).toBe(403);
    expect((await call('DELETE', `/api/v1/workspace/${ws}/job/${job}`, { token: operator })).status).toBe(204);
    expect((await call('GET', `/api/v1/organization/${org}/job/${job}/step`, { token: operator })).status).toBe(404);
    expect((await call('GET', `/api/v1/workspace/${ws}/job/${job}`, { token: operator })).status).toBe(404);
  });
});
