/** DynamoDB requests of the client-facing reads and writes of issue 12 (counted by the SDK middleware). */
import { beforeAll, describe, expect, it } from 'vitest';
import { roundTrips } from '../../shared/store/client';
import { adminToken, call, useTable } from '../helpers/api';
import { createOrganization, createWorkspace, templateId, unique } from '../helpers/fixtures';
import { createRule, createWebhook } from '../helpers/webhooks';

useTable();
const ATOMIC = 'application/vnd.api+json;ext="https://jsonapi.org/ext/atomic"';
let admin: string;
let org: string;
let ws: string;
let wsName: string;
beforeAll(async () => {
  admin = await adminToken();
  org = await createOrganization(admin);
  wsName = unique('rt');
  ws = await createWorkspace(admin, org, { name: wsName });
});

async function count(action: () => Promise<{ status: number; text: string }>, expectedStatus: number): Promise<number> {
  roundTrips.reset();
  const res = await action();
  expect(res.status, res.text).toBe(expectedStatus);
  return roundTrips.total;
}

describe('DynamoDB round trips of client requests', () => {
  it('a name look-up reads the name guard with the scope, then the record (no Query of the collection)', async () => {
    expect(await count(() => call('GET', `/api/v1/organization/${org}/workspace?filter[workspace]=name==${wsName}`, { token: admin }), 200)).toBe(2);
    expect(await count(() => call('GET', `/api/v1/organization/${org}/template?filter[template]=name==Plan%20and%20apply`, { token: admin }), 200)).toBe(2);
  });

  it('root-level reads: the record that names its organization, then the organization path read', async () => {
    const tpl = await templateId(admin, org, 'Plan');
    const webhook = await createWebhook(admin, org, ws);
    const event = await createRule(admin, org, ws, webhook.id, { event: 'PUSH', branch: 'main', templateId: tpl });
    expect(await count(() => call('GET', `/api/v1/workspace/${ws}`, { token: admin }), 200)).toBe(2);
    expect(await count(() => call('GET', `/api/v1/webhook/${webhook.id}`, { token: admin }), 200)).toBe(2);
    expect(await count(() => call('GET', `/api/v1/webhook_event/${event}`, { token: admin }), 200)).toBe(3);
  });

  it('the UI run list: the scope, then in parallel the newest jobs, the variables, the webhook, the schedules and the state versions', async () => {
    const trips = await count(() => call('GET', `/api/v1/organization/${org}/workspace/${ws}?include=job,variable,history,schedule,vcs,agent,organization,webhook,reference,project`, { token: admin }), 200);
    expect(trips).toBe(6);
  });

  it('atomic operations: the reads each op plans with, then one transaction for all of them', async () => {
    const tpl = await templateId(admin, org, 'Plan');
    const wh = crypto.randomUUID();
    const ev = crypto.randomUUID();
    const ops = [
      { op: 'add', href: `/organization/${org}/workspace/${ws}/webhook`, data: { type: 'webhook', id: wh } },
      { op: 'add', href: `/organization/${org}/workspace/${ws}/webhook/${wh}/events`, data: { type: 'webhook_event', id: ev, attributes: { event: 'PUSH', branch: 'main', templateId: tpl } } },
    ];
    const trips = await count(() => call('POST', '/api/v1/operations', { token: admin, rawBody: JSON.stringify({ 'atomic:operations': ops }), contentType: ATOMIC, headers: { accept: ATOMIC } }), 200);
    // One batch read per op (the second finds the new webhook in the overlay), then one TransactWriteItems.
    expect(trips).toBe(3);
  });
});
