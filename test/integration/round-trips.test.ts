/** DynamoDB requests per job operation, counted by the SDK middleware (authorization reads included). */
import { beforeAll, describe, expect, it } from 'vitest';
import { roundTrips } from '../../shared/store/client';
import { adminToken, call, useTable } from '../helpers/api';
import { createJob, createOrganization, createWorkspace, postJob, templateId } from '../helpers/fixtures';

useTable();
let admin: string;
let org: string;
let ws: string;
beforeAll(async () => {
  admin = await adminToken();
  org = await createOrganization(admin);
  ws = await createWorkspace(admin, org);
});

async function count(action: () => Promise<{ status: number }>, expectedStatus: number): Promise<number> {
  roundTrips.reset();
  const res = await action();
  expect(res.status).toBe(expectedStatus);
  return roundTrips.total;
}

describe('DynamoDB round trips per job operation', () => {
  it('create: one batch read (with the id counter) and one transaction that takes the next id', async () => {
    const template = await templateId(admin, org, 'Plan');
    expect(await count(() => postJob(admin, org, ws, { templateReference: template }), 201)).toBe(2);
    expect(await count(() => postJob(admin, org, ws, { command: 'plan' }), 201)).toBe(2);
  });


  it('get, with or without its steps: one batch read', async () => {
    const id = await createJob(admin, org, ws);
    expect(await count(() => call('GET', `/api/v1/organization/${org}/job/${id}`, { token: admin }), 200)).toBe(1);
    expect(await count(() => call('GET', `/api/v1/organization/${org}/job/${id}?include=step`, { token: admin }), 200)).toBe(1);
  });

  it('list a page: the organization and one query', async () => {
    expect(await count(() => call('GET', `/api/v1/organization/${org}/job?page[size]=5`, { token: admin }), 200)).toBe(2);
  });

  it('cancel: batch read, workspace read, one transaction; comments: two', async () => {
    const id = await createJob(admin, org, ws);
    const body = (attributes: object) => ({ data: { type: 'job', id, attributes } });
    expect(await count(() => call('PATCH', `/api/v1/organization/${org}/job/${id}`, { token: admin, body: body({ comments: 'x' }) }), 204)).toBe(2);
    expect(await count(() => call('PATCH', `/api/v1/organization/${org}/job/${id}`, { token: admin, body: body({ status: 'cancelled' }) }), 204)).toBe(3);
  });

  it('delete: batch read and one conditional delete', async () => {
    const id = await createJob(admin, org, ws);
    await call('PATCH', `/api/v1/organization/${org}/job/${id}`, { token: admin, body: { data: { type: 'job', id, attributes: { status: 'cancelled' } } } });
    expect(await count(() => call('DELETE', `/api/v1/organization/${org}/job/${id}`, { token: admin }), 204)).toBe(2);
  });
});
