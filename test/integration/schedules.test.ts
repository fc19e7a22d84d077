/**
 * Workspace schedules against DynamoDB Local: the provider's, terrakube-go's and the UI's request shapes on
 * both paths (cron and templateReference read back byte-identical), validation, permissions, the trigger
 * kept in step with every write (the real local timers), a workspace's delete taking its schedules along,
 * and firing: exactly one job per fire time under a duplicated trigger, nothing from a disabled, deleted or
 * changed schedule, no replay after downtime but one catch-up, a restart between fires.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { timerScheduleTrigger, type TimerScheduleTrigger } from '../../shared/adapters/local/timer-schedule-trigger';
import { Conflict } from '../../shared/domain/errors';
import { createJob } from '../../shared/jobs/create-job';
import { fireSchedule } from '../../shared/schedules/fire';
import { keys } from '../../shared/store/keys';
import { getSchedule, listAllSchedules, planClaimFire } from '../../shared/store/repositories/schedules';
import { getItem } from '../../shared/store/table';
import { useScheduleTrigger } from '../../shared/wiring';
import { adminToken, call, token, useTable } from '../helpers/api';
import { createOrganization, createTeam, createWorkspace, doc, templateId } from '../helpers/fixtures';
import { jobsOf } from '../helpers/webhooks';

useTable();
let admin: string;
let manager: string;
let reader: string;
let outsider: string;
let org: string;
let ws: string;
let plan: string;
/** The real local trigger, on an injected clock that never reaches a fire time: tests fire by hand. */
const clock = { now: () => new Date() };
let trigger: TimerScheduleTrigger;
beforeAll(async () => {
  trigger = timerScheduleTrigger(() => Promise.resolve(), clock);
  useScheduleTrigger(trigger);
  admin = await adminToken();
  org = await createOrganization(admin);
  await createTeam(admin, org, 'WS_MANAGERS', { manageWorkspace: true });
  await createTeam(admin, org, 'READERS');
  manager = await token('manager@example.com', ['WS_MANAGERS']);
  reader = await token('reader@example.com', ['READERS']);
  outsider = await token('outsider@example.com', ['NOBODY']);
  ws = await createWorkspace(admin, org);
  plan = await templateId(admin, org, 'Plan');
});
afterAll(() => {
  trigger.stop();
  useScheduleTrigger(undefined);
});

const uiPath = (w = ws) => `/api/v1/organization/${org}/workspace/${w}/schedule`;
const providerPath = (w = ws) => `/api/v1/workspace/${w}/schedule`;

async function createSchedule(path: string, attributes: Record<string, unknown>, tok = manager): Promise<string> {
  const res = await call('POST', path, { token: tok, body: doc('schedule', attributes) });
  expect(res.status, res.text).toBe(201);
  return res.body.data.id;
}

describe('schedules: the clients’ request shapes', () => {
  it("the provider's create, read, update and delete on /workspace/{ws}/schedule", async () => {
    const created = await call('POST', providerPath(), { token: manager, body: { data: { type: 'schedule', attributes: { cron: '0 0 0 ? * MON-FRI', templateReference: plan } } } });
    expect(created.status, created.text).toBe(201);
    const id = created.body.data.id;
    expect(created.body.data.attributes).toMatchObject({ cron: '0 0 0 ? * MON-FRI', templateReference: plan, enabled: true, createdBy: 'manager@example.com' });
    expect(created.body.data.attributes.nextFireDate).toMatch(/T00:00:00\.000Z$/);
    expect(created.body.data.relationships.workspace.data).toEqual({ type: 'workspace', id: ws });

    const read = await call('GET', `${providerPath()}/${id}`, { token: reader });
    expect(read.status).toBe(200);
    expect(read.body.data.attributes.cron).toBe('0 0 0 ? * MON-FRI');
    expect(read.body.data.attributes.templateReference).toBe(plan);

    const patched = await call('PATCH', `${providerPath()}/${id}`, { token: manager, body: { data: { type: 'schedule', id, attributes: { cron: '0 30 6 ? * SAT,SUN', templateReference: plan } } } });
    expect(patched.status, patched.text).toBe(204);
    expect((await call('GET', `${uiPath()}/${id}`, { token: reader })).body.data.attributes.cron).toBe('0 30 6 ? * SAT,SUN');

    expect((await call('DELETE', `${providerPath()}/${id}`, { token: manager })).status).toBe(204);
    expect((await call('GET', `${providerPath()}/${id}`, { token: manager })).status).toBe(404);
  });

  it("terrakube-go's create and list on /workspace/{ws}/schedule", async () => {
    // terrakube-go also sends the audit fields as null; accepting those is the lenient-input rule of every resource (issue 12).
    const body = { data: { type: 'schedule', attributes: { cron: '0 0/5 * ? * *', templateReference: plan } } };
    const res = await call('POST', providerPath(), { token: manager, body });
    expect(res.status, res.text).toBe(201);
    const list = await call('GET', providerPath(), { token: reader });
    expect(list.status).toBe(200);
    expect(list.body.data.find((s: any) => s.id === res.body.data.id).attributes.cron).toBe('0 0/5 * ? * *');
  });

  it("the UI's 7-field crons on /organization/{org}/workspace/{ws}/schedule, and Terrakube's server-test cron", async () => {
    const id = await createSchedule(uiPath(), { templateReference: plan, cron: '0 */5 * ? * * *' });
    const patched = await call('PATCH', `${uiPath()}/${id}`, { token: manager, body: { data: { type: 'schedule', id, attributes: { templateReference: plan, cron: '0 0 12 ? * 6#3 *' } } } });
    expect(patched.status, patched.text).toBe(204);
    const read = await call('GET', `${uiPath()}/${id}`, { token: reader });
    expect(read.body.data.attributes).toMatchObject({ cron: '0 0 12 ? * 6#3 *', templateReference: plan });
    expect(new Date(read.body.data.attributes.nextFireDate).getUTCDay()).toBe(5);
    const server = await createSchedule(uiPath(), { cron: '0 0/1 * * * ?', templateReference: plan });
    expect((await call('GET', `${uiPath()}/${server}`, { token: reader })).body.data.attributes.cron).toBe('0 0/1 * * * ?');
    // The UI's delete comes without a Content-Type (axios drops it).
    expect((await call('DELETE', `${uiPath()}/${id}`, { token: manager, contentType: null })).status).toBe(204);
  });
});

describe('schedules: validation and permissions', () => {
  it.each(['every day', '0 0 0 * * *', '0 0 25 ? * *', '0 0 0 L-3 * ?', ''])('refuses cron %j with 400 naming cron, storing nothing', async (cron) => {
    const before = (await call('GET', uiPath(), { token: reader })).body.data.length;
    const res = await call('POST', uiPath(), { token: manager, body: doc('schedule', { cron, templateReference: plan }) });
    expect(res.status, res.text).toBe(400);
    expect(res.body.errors[0].source.pointer).toBe('/data/attributes/cron');
    expect((await call('GET', uiPath(), { token: reader })).body.data.length).toBe(before);
  });

  it('refuses a bad cron on PATCH and keeps the stored one', async () => {
    const id = await createSchedule(providerPath(), { cron: '0 0 1 ? * *', templateReference: plan });
    const res = await call('PATCH', `${providerPath()}/${id}`, { token: manager, body: { data: { type: 'schedule', id, attributes: { cron: '61 * * ? * *' } } } });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].source.pointer).toBe('/data/attributes/cron');
    expect((await getSchedule(id))?.cron).toBe('0 0 1 ? * *');
  });

  it('needs a template of the organization, and nextFireDate is read-only', async () => {
    expect((await call('POST', uiPath(), { token: manager, body: doc('schedule', { cron: '0 0 1 ? * *' }) })).status).toBe(400);
    expect((await call('POST', uiPath(), { token: manager, body: doc('schedule', { cron: '0 0 1 ? * *', templateReference: crypto.randomUUID() }) })).status).toBe(404);
    const ro = await call('POST', uiPath(), { token: manager, body: doc('schedule', { cron: '0 0 1 ? * *', templateReference: plan, nextFireDate: '2030-01-01T00:00:00Z' }) });
    expect(ro.status).toBe(400);
  });

  it('lets members read, only manageWorkspace write, and hides everything from outsiders', async () => {
    const id = await createSchedule(uiPath(), { cron: '0 0 2 ? * *', templateReference: plan });
    expect((await call('POST', uiPath(), { token: reader, body: doc('schedule', { cron: '0 0 2 ? * *', templateReference: plan }) })).status).toBe(403);
    expect((await call('DELETE', `${providerPath()}/${id}`, { token: reader })).status).toBe(403);
    for (const path of [uiPath(), providerPath(), `${uiPath()}/${id}`, `${providerPath()}/${id}`]) expect((await call('GET', path, { token: outsider })).status).toBe(404);
    expect((await call('POST', providerPath(), { token: outsider, body: doc('schedule', { cron: '0 0 2 ? * *', templateReference: plan }) })).status).toBe(404);
    // A schedule of another workspace is not found under this one.
    const other = await createWorkspace(admin, org);
    expect((await call('GET', `${uiPath(other)}/${id}`, { token: admin })).status).toBe(404);
  });
});

describe('schedules: the trigger follows every write', () => {
  it('arms on create, idles when disabled, re-arms when enabled and when the cron changes, and is gone on delete', async () => {
    const id = await createSchedule(uiPath(), { cron: '0 15 3 ? * *', templateReference: plan });
    expect(trigger.armed().get(id)?.toISOString()).toMatch(/T03:15:00\.000Z$/);
    const patch = (attributes: object) => call('PATCH', `${uiPath()}/${id}`, { token: manager, body: { data: { type: 'schedule', id, attributes } } });
    expect((await patch({ enabled: false })).status).toBe(204);
    expect(trigger.armed().has(id)).toBe(false);
    expect((await call('GET', `${uiPath()}/${id}`, { token: reader })).body.data.attributes).toMatchObject({ enabled: false, nextFireDate: null });
    expect((await patch({ enabled: 'true' })).status).toBe(204);
    expect(trigger.armed().has(id)).toBe(true);
    expect((await patch({ cron: '0 45 4 ? * *' })).status).toBe(204);
    expect(trigger.armed().get(id)?.toISOString()).toMatch(/T04:45:00\.000Z$/);
    expect((await call('DELETE', `${uiPath()}/${id}`, { token: manager })).status).toBe(204);
    expect(trigger.armed().has(id)).toBe(false);
  });

  it("deleting a workspace removes its schedules, their fire records and their triggers", async () => {
    const doomed = await createWorkspace(admin, org);
    const id = await createSchedule(providerPath(doomed), { cron: '0 0 5 ? * *', templateReference: plan });
    const fired = await fireSchedule({ scheduleId: id, fireTime: (trigger.armed().get(id) as Date).toISOString() });
    expect(fired.outcome).toBe('created');
    // The job must end before the workspace can go: cancel it.
    const [job] = await jobsOf(admin, org, doomed);
    await call('PATCH', `/api/v1/organization/${org}/job/${job?.id}`, { token: admin, body: { data: { type: 'job', id: job?.id, attributes: { status: 'cancelled' } } } });
    expect((await call('DELETE', `/api/v1/organization/${org}/workspace/${doomed}`, { token: admin })).status).toBe(204);
    expect(await getItem(keys.schedule(id))).toBeUndefined();
    expect((await listAllSchedules()).some((s) => s.id === id)).toBe(false);
    expect(trigger.armed().has(id)).toBe(false);
  });
});

describe('schedules: firing', () => {
  /** A fresh workspace with one schedule firing at second 0 of every minute; `at` is one of its fire times. */
  async function scheduled(cron = '0 * * ? * *') {
    const w = await createWorkspace(admin, org);
    const id = await createSchedule(uiPath(w), { cron, templateReference: plan });
    const at = trigger.armed().get(id) as Date;
    return { w, id, at, fire: (now = at) => fireSchedule({ scheduleId: id, fireTime: at.toISOString() }, now) };
  }

  it('creates exactly one job per fire time under a duplicated trigger, via Schedule, by the creator, with its template', async () => {
    const { w, fire } = await scheduled();
    const outcomes = await Promise.all([fire(), fire(), fire()]);
    expect(outcomes.map((o) => o.outcome).sort()).toEqual(['created', 'duplicate', 'duplicate']);
    expect((await fire()).outcome).toBe('duplicate');
    const jobs = await jobsOf(admin, org, w);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]?.attributes).toMatchObject({ via: 'Schedule', templateReference: plan, createdBy: 'manager@example.com', refresh: true, refreshOnly: false });
    // The id a duplicate reserved was released: the next job of the organization is not held up.
    const next = await call('POST', `/api/v1/organization/${org}/job`, { token: admin, body: doc('job', { command: 'plan' }, { relationships: { workspace: { data: { type: 'workspace', id: w } } } }) });
    expect(next.status, next.text).toBe(201);
  });

  it('fires nothing from a disabled or deleted schedule, nor for a time its cron no longer fires at', async () => {
    const a = await scheduled();
    await call('PATCH', `${uiPath(a.w)}/${a.id}`, { token: manager, body: { data: { type: 'schedule', id: a.id, attributes: { enabled: false } } } });
    expect((await a.fire()).outcome).toBe('disabled');
    const b = await scheduled();
    await call('DELETE', `${uiPath(b.w)}/${b.id}`, { token: manager });
    expect((await b.fire()).outcome).toBe('disabled');
    const c = await scheduled();
    await call('PATCH', `${uiPath(c.w)}/${c.id}`, { token: manager, body: { data: { type: 'schedule', id: c.id, attributes: { cron: '30 * * ? * *' } } } });
    expect((await c.fire()).outcome).toBe('stale');
    for (const w of [a.w, b.w, c.w]) expect(await jobsOf(admin, org, w)).toEqual([]);
  });

  it('a fire racing a disable creates no job: the fire record is written only while the schedule is enabled', async () => {
    const { w, id, at } = await scheduled();
    await call('PATCH', `${uiPath(w)}/${id}`, { token: manager, body: { data: { type: 'schedule', id, attributes: { enabled: false } } } });
    // The fire read the schedule enabled just before the disable: its transaction still refuses.
    const claim = planClaimFire({ scheduleId: id, fireTime: at.toISOString(), expiresAt: 0 }, { alreadyFired: () => new Conflict('fired'), gone: () => new Conflict('gone') });
    const job = { organizationId: org, workspaceId: w, templateReference: plan, via: 'Schedule' as const, refresh: true, refreshOnly: false, autoApply: false, createdBy: 'x', alsoWrite: claim };
    await expect(createJob(job, { trigger: 'schedule' })).rejects.toThrow('gone');
    expect(await jobsOf(admin, org, w)).toEqual([]);
  });

  it('replays nothing after downtime: a late fire is taken only while no later fire time is due', async () => {
    const { w, at, fire } = await scheduled();
    // Two minutes late: the fire times after it are due too, so this one is skipped.
    expect((await fire(new Date(at.getTime() + 120_000))).outcome).toBe('late');
    // Thirty seconds late, still the latest due: taken.
    expect((await fire(new Date(at.getTime() + 30_000))).outcome).toBe('created');
    expect(await jobsOf(admin, org, w)).toHaveLength(1);
  });

  it('after a restart, the timers are rebuilt from the table with one catch-up fire per schedule, never a second', async () => {
    const { w, id } = await scheduled('0 * * ? * *');
    const schedule = await getSchedule(id);
    // The service comes back 3.5 minutes after the schedule was last changed: three fire times were missed.
    const restartAt = new Date(Date.parse(schedule?.updatedDate as string) + 210_000);
    const fired: string[] = [];
    const restarted = (label: string) =>
      timerScheduleTrigger(
        async (scheduleId, at) => {
          fired.push(`${label}:${at.toISOString()}`);
          await fireSchedule({ scheduleId, fireTime: at.toISOString() }, restartAt);
        },
        { now: () => restartAt },
      );
    const first = restarted('first');
    await first.armAll([schedule as never]);
    expect(first.armed().get(id)?.getTime()).toBeGreaterThan(restartAt.getTime());
    await vi.waitFor(async () => expect(await jobsOf(admin, org, w)).toHaveLength(1));
    // A second restart at the same moment finds that fire time already fired.
    const second = restarted('second');
    await second.armAll([schedule as never]);
    await vi.waitFor(() => expect(fired).toHaveLength(2));
    await new Promise((r) => setTimeout(r, 50));
    expect(await jobsOf(admin, org, w)).toHaveLength(1);
    expect(fired[0]?.slice(6)).toBe(fired[1]?.slice(7));
    first.stop();
    second.stop();
  });
});
