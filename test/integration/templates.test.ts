import { beforeAll, describe, expect, it } from 'vitest';
import { adminToken, call, token, useTable } from '../helpers/api';
import { b64, createOrganization, createTeam, doc } from '../helpers/fixtures';

useTable();
let admin: string;
let org: string;
let author: string;
beforeAll(async () => {
  admin = await adminToken();
  org = await createOrganization(admin);
  await createTeam(admin, org, 'AUTHORS', { manageTemplate: true });
  author = await token('a@example.com', ['AUTHORS']);
});

const path = () => `/api/v1/organization/${org}/template`;
const flow = 'flow:\n  - type: terraformPlan\n    step: 100\n  - type: approval\n    step: 150\n    team: APPROVERS\n  - type: terraformApply\n    step: 200\n';

describe('templates', () => {
  it('creates, updates and deletes a template with a valid flow', async () => {
    const created = await call('POST', path(), { token: author, body: doc('template', { name: 'Reviewed apply', tcl: b64(flow) }) });
    expect(created.status).toBe(201);
    expect(created.body.data.attributes).toMatchObject({ name: 'Reviewed apply', version: '1.0.0', tcl: b64(flow) });
    const id = created.body.data.id;
    const patch = await call('PATCH', `${path()}/${id}`, { token: author, body: { data: { type: 'template', id, attributes: { version: '1.1.0', description: 'with review' } } } });
    expect(patch.status).toBe(204);
    expect((await call('GET', `${path()}/${id}`, { token: author })).body.data.attributes).toMatchObject({ version: '1.1.0', description: 'with review' });
    expect((await call('DELETE', `${path()}/${id}`, { token: author })).status).toBe(204);
    expect((await call('GET', `${path()}/${id}`, { token: author })).status).toBe(404);
  });

  it.each([
    ['bad base64', '%%%not-base64%%%', 'base64'],
    ['bad YAML', b64('flow: [ {'), 'invalid YAML'],
    ['unknown keys', b64('flow:\n  - type: terraformPlan\n    step: 1\n    inputsEnv: {}\n'), "flow[0]: unknown key 'inputsEnv'"],
    ['an unsupported flow type', b64('flow:\n  - type: disableWorkspace\n    step: 1\n'), "unsupported flow type 'disableWorkspace'"],
    ['duplicate step numbers', b64('flow:\n  - type: terraformPlan\n    step: 1\n  - type: terraformApply\n    step: 1\n'), 'duplicate step number 1'],
  ])('rejects %s with a 400 pointing at tcl', async (_name, tcl, detail) => {
    const res = await call('POST', path(), { token: author, body: doc('template', { name: `t-${Math.random()}`, tcl }) });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].source).toEqual({ pointer: '/data/attributes/tcl' });
    expect(res.body.errors[0].detail).toContain(detail);
  });

  it('validates tcl on update too, and needs manageTemplate', async () => {
    const created = await call('POST', path(), { token: author, body: doc('template', { name: 'x-upd', tcl: b64(flow) }) });
    const id = created.body.data.id;
    const bad = await call('PATCH', `${path()}/${id}`, { token: author, body: { data: { type: 'template', id, attributes: { tcl: b64('flow: 3') } } } });
    expect(bad.status).toBe(400);
    await createTeam(admin, org, 'VIEWERS');
    const viewer = await token('v@example.com', ['VIEWERS']);
    expect((await call('DELETE', `${path()}/${id}`, { token: viewer })).status).toBe(403);
    expect((await call('POST', path(), { token: author, body: doc('template', { name: 'X-UPD', tcl: b64(flow) }) })).status).toBe(409);
  });
});
