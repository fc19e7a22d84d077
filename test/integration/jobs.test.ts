import { beforeAll, describe, expect, it } from 'vitest';
import { adminToken, call, token, useTable } from '../helpers/api';
import { b64, createJob, createOrganization, createTeam, createWorkspace, doc, postJob, templateId, workspaceLink } from '../helpers/fixtures';

useTable();
let admin: string;
let org: string;
let ws: string;
let operator: string;
let reader: string;
beforeAll(async () => {
  admin = await adminToken();
  org = await createOrganization(admin);
  await createTeam(admin, org, 'OPERATORS', { manageJob: true });
  await createTeam(admin, org, 'READERS');
  operator = await token('op@example.com', ['OPERATORS']);
  reader = await token('reader@example.com', ['READERS']);
  ws = await createWorkspace(admin, org);
});

const jobPath = (id: string | number = '') => `/api/v1/organization/${org}/job${id !== '' ? `/${id}` : ''}`;

describe('creating jobs', () => {
  it('creates a pending job from a template reference, with Terrakube defaults', async () => {
    const template = await templateId(admin, org, 'Plan and apply');
    const res = await postJob(operator, org, ws, { templateReference: template, overrideBranch: 'feature/x', comments: 'first' });
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe(`http://localhost:8080${jobPath(res.body.data.id)}`);
    expect(res.body.data.id).toMatch(/^\d+$/);
    expect(res.body.data.attributes).toMatchObject({
      status: 'pending',
      templateReference: template,
      overrideBranch: 'feature/x',
      via: 'UI',
      refresh: true,
      refreshOnly: false,
      autoApply: false,
      planChanges: true,
      approvalTeam: null,
      comments: 'first',
      createdBy: 'op@example.com',
      updatedBy: 'op@example.com',
    });
    expect(res.body.data.relationships).toEqual({
      organization: { data: { type: 'organization', id: org } },
      workspace: { data: { type: 'workspace', id: ws } },
      step: { data: [] },
      address: { data: [] },
    });
  });

  it('numbers jobs per organization, 1, 2, 3 …, even when created concurrently', async () => {
    const fresh = await createOrganization(admin);
    const freshWs = await createWorkspace(admin, fresh);
    const ids = await Promise.all(Array.from({ length: 12 }, () => createJob(admin, fresh, freshWs)));
    expect(ids.map(Number).sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
  });

  it('picks the flow from templateReference, tcl, command, then the workspace default template', async () => {
    const plan = await templateId(admin, org, 'Plan');
    const byCommand = await postJob(operator, org, ws, { command: 'destroy' });
    expect(byCommand.body.data.attributes).toMatchObject({ command: 'destroy', templateReference: await templateId(admin, org, 'Destroy') });
    const byTcl = await postJob(operator, org, ws, { tcl: b64('flow:\n  - type: terraformPlan\n    step: 1\n') });
    expect(byTcl.body.data.attributes.templateReference).toBeNull();
    const withDefault = await createWorkspace(admin, org, { defaultTemplate: plan });
    const byDefault = await postJob(operator, org, withDefault, {});
    expect(byDefault.body.data.attributes.templateReference).toBe(plan);
    const none = await postJob(operator, org, ws, {});
    expect(none.status).toBe(400);
    expect(none.body.errors[0].source.pointer).toBe('/data/attributes/templateReference');
  });

  it.each([
    ['an unknown template', () => ({ templateReference: crypto.randomUUID() }), 404, undefined],
    ['invalid tcl', () => ({ tcl: b64('flow:\n  - type: terraformPlan\n') }), 400, '/data/attributes/tcl'],
    ['an unknown command', () => ({ command: 'import' }), 400, '/data/attributes/command'],
    ['approvalTeam', () => ({ command: 'plan', approvalTeam: 'ME' }), 403, '/data/attributes/approvalTeam'],
    ['a read-only attribute', () => ({ command: 'plan', output: 'x' }), 400, '/data/attributes/output'],
    ['an unknown attribute', () => ({ command: 'plan', colour: 'blue' }), 400, '/data/attributes/colour'],
    ['a status other than pending', () => ({ command: 'plan', status: 'running' }), 400, '/data/attributes/status'],
    ['a too long overrideBranch', () => ({ command: 'plan', overrideBranch: 'b'.repeat(256) }), 400, '/data/attributes/overrideBranch'],
    ['a bad commitId', () => ({ command: 'plan', commitId: 'not-a-sha' }), 400, '/data/attributes/commitId'],
    ['an unknown via', () => ({ command: 'plan', via: 'Carrier pigeon' }), 400, '/data/attributes/via'],
    ['too long comments', () => ({ command: 'plan', comments: 'c'.repeat(513) }), 400, '/data/attributes/comments'],
  ])('rejects %s', async (_name, attributes, status, pointer) => {
    const before = (await call('GET', jobPath(), { token: admin, body: undefined })).body.data.length;
    const res = await postJob(operator, org, ws, attributes());
    expect(res.status).toBe(status);
    expect(res.body.errors[0].status).toBe(String(status));
    if (pointer) expect(res.body.errors[0].source.pointer).toBe(pointer);
    expect((await call('GET', jobPath(), { token: admin })).body.data.length).toBe(before);
  });

  it('needs a workspace of the same organization', async () => {
    const missing = await call('POST', jobPath(), { token: operator, body: doc('job', { command: 'plan' }) });
    expect(missing.status).toBe(400);
    expect(missing.body.errors[0].source.pointer).toBe('/data/relationships/workspace');
    const other = await createOrganization(admin);
    const foreign = await createWorkspace(admin, other);
    expect((await postJob(operator, org, foreign, { command: 'plan' })).status).toBe(404);
  });

  it('needs manageJob', async () => {
    const res = await postJob(reader, org, ws, { command: 'plan' });
    expect(res.status).toBe(403);
    const outsider = await token('x@example.com', ['NONE']);
    expect((await postJob(outsider, org, ws, { command: 'plan' })).status).toBe(404);
  });
});

describe('reading jobs', () => {
  it('returns a job with included workspace and organization', async () => {
    const id = await createJob(operator, org, ws);
    const res = await call('GET', `${jobPath(id)}?include=step,workspace,organization`, { token: reader });
    expect(res.status).toBe(200);
    expect(res.body.data.id).toBe(id);
    expect(res.body.included.map((r: any) => r.type).sort()).toEqual(['organization', 'workspace']);
    // Terrakube's `address` relationship is accepted and always empty here (the addresses are attributes).
    const addresses = await call('GET', `${jobPath(id)}?include=address`, { token: reader });
    expect(addresses.status).toBe(200);
    expect(addresses.body.included).toEqual([]);
    expect((await call('GET', `${jobPath(id)}?include=history`, { token: reader })).status).toBe(400);
    expect((await call('GET', `${jobPath(id)}/step`, { token: reader })).body.data).toEqual([]);
    expect((await call('GET', `${jobPath(id)}/step/${crypto.randomUUID()}`, { token: reader })).status).toBe(404);
  });

  it('answers 404 for unknown, malformed and foreign job ids', async () => {
    for (const id of ['999999', 'abc', '0', '-1', '1e3']) {
      const res = await call('GET', jobPath(id), { token: reader });
      expect(res.status, id).toBe(404);
    }
    const outsider = await token('x@example.com', ['NONE']);
    const id = await createJob(operator, org, ws);
    expect((await call('GET', jobPath(id), { token: outsider })).status).toBe(404);
  });

  it('lists the organization jobs newest first', async () => {
    const a = Number(await createJob(operator, org, ws));
    const b = Number(await createJob(operator, org, ws));
    const res = await call('GET', jobPath(), { token: reader });
    const ids = res.body.data.map((j: any) => Number(j.id));
    expect(ids.indexOf(b)).toBeLessThan(ids.indexOf(a));
  });
});

describe('changing jobs', () => {
  const patch = (id: string, attributes: Record<string, unknown>, tok = operator) =>
    call('PATCH', jobPath(id), { token: tok, body: { data: { type: 'job', id, attributes } } });

  it('updates comments (204) and refuses every other attribute', async () => {
    const id = await createJob(operator, org, ws);
    expect((await patch(id, { comments: 'looks good' })).status).toBe(204);
    expect((await call('GET', jobPath(id), { token: reader })).body.data.attributes.comments).toBe('looks good');
    for (const attribute of ['tcl', 'templateReference', 'approvalTeam', 'output', 'planChanges', 'createdBy']) {
      const res = await patch(id, { [attribute]: 'x' });
      expect(res.status, attribute).toBe(400);
      expect(res.body.errors[0].source.pointer).toBe(`/data/attributes/${attribute}`);
    }
  });

  it('cancels a pending job, then refuses to change it again', async () => {
    const id = await createJob(operator, org, ws);
    expect((await patch(id, { status: 'cancelled' })).status).toBe(204);
    const job = (await call('GET', jobPath(id), { token: reader })).body.data.attributes;
    expect(job).toMatchObject({ status: 'cancelled', updatedBy: 'op@example.com' });
    const again = await patch(id, { status: 'cancelled' });
    expect(again.status).toBe(409);
    expect(again.body.errors[0].detail).toBe('the job already ended (cancelled)');
    const approve = await patch(id, { status: 'approved' });
    expect(approve.status).toBe(409);
  });

  it.each(['running', 'completed', 'queue', 'approved', 'rejected', 'failed', 'pending'])('refuses to set %s on a pending job (409)', async (status) => {
    const id = await createJob(operator, org, ws);
    const res = await patch(id, { status }, admin);
    expect(res.status).toBe(409);
    expect(res.body.errors[0].source.pointer).toBe('/data/attributes/status');
    expect((await call('GET', jobPath(id), { token: reader })).body.data.attributes.status).toBe('pending');
  });

  it('lets only manageJob members (or admins) cancel, with 403 for readers', async () => {
    const id = await createJob(operator, org, ws);
    expect((await patch(id, { status: 'cancelled' }, reader)).status).toBe(403);
    expect((await patch(id, { comments: 'x' }, reader)).status).toBe(403);
    expect((await patch(id, { status: 'cancelled' }, admin)).status).toBe(204);
  });

  it('requires data.id to match and the type to be job', async () => {
    const id = await createJob(operator, org, ws);
    const mismatch = await call('PATCH', jobPath(id), { token: operator, body: { data: { type: 'job', id: '999', attributes: { comments: 'x' } } } });
    expect(mismatch.status).toBe(409);
    const wrongType = await call('PATCH', jobPath(id), { token: operator, body: { data: { type: 'workspace', id, attributes: {} } } });
    expect(wrongType.status).toBe(409);
  });
});

describe('deleting jobs', () => {
  it('deletes only ended jobs and needs manageJob', async () => {
    const id = await createJob(operator, org, ws);
    const active = await call('DELETE', jobPath(id), { token: operator });
    expect(active.status).toBe(409);
    expect(active.body.errors[0].detail).toContain('cancel the job first');
    await call('PATCH', jobPath(id), { token: operator, body: { data: { type: 'job', id, attributes: { status: 'cancelled' } } } });
    expect((await call('DELETE', jobPath(id), { token: reader })).status).toBe(403);
    expect((await call('DELETE', jobPath(id), { token: operator })).status).toBe(204);
    expect((await call('GET', jobPath(id), { token: operator })).status).toBe(404);
    expect((await call('DELETE', jobPath(id), { token: operator })).status).toBe(404);
  });

  it('keeps the workspace relationship optional only when it can be derived', async () => {
    const res = await call('POST', jobPath(), { token: operator, body: doc('job', { command: 'plan' }, workspaceLink(ws)) });
    expect(res.status).toBe(201);
  });
});
