/**
 * Issue 14's walk-through, in process with the local engine and the real local timers: a new user creates a
 * schedule firing every 2 seconds on each path (the UI's 7-field cron on the organization path, a 6-field one
 * on the provider's path), sees `via: Schedule` jobs run to completed, one per fire time, then disables one and
 * deletes the other, and no further job appears. PRINT_FIRE_LAG=1 prints each job's lag behind its fire time.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { resetWiring, scheduleTrigger, useScheduleTrigger } from '../../shared/wiring';
import { adminToken, call, token, useTable } from '../helpers/api';
import { ended, gitRepo, useEngine, waitForJob } from '../helpers/engine';
import { b64, createOrganization, createTeam, createWorkspace, doc } from '../helpers/fixtures';
import { jobsOf } from '../helpers/webhooks';

useTable();
useEngine();
let admin: string;
let user: string;
let org: string;
let template: string;
beforeAll(async () => {
  // The timers of this file: the ones the wiring builds, as under `npm start`.
  useScheduleTrigger(undefined);
  admin = await adminToken();
  org = await createOrganization(admin);
  await createTeam(admin, org, 'PLATFORM', { manageWorkspace: true, manageJob: true });
  user = await token('new.user@example.com', ['PLATFORM']);
  const tcl = b64('flow:\n  - type: customScripts\n    step: 1\n    commands:\n      - { script: "echo scheduled run" }\n');
  const res = await call('POST', `/api/v1/organization/${org}/template`, { token: admin, body: doc('template', { name: 'scheduled-echo', tcl }) });
  template = res.body.data.id;
});
afterAll(() => {
  (scheduleTrigger() as { stop?: () => void }).stop?.();
  resetWiring();
});

const PERIOD_MS = 2000;

describe('a schedule firing every few seconds', () => {
  it('runs via: Schedule jobs to completed on both paths, one per fire time, and nothing once disabled or deleted', async () => {
    const repo = gitRepo({ 'README.md': 'scheduled\n' });
    const wsUi = await createWorkspace(user, org, { source: repo.path });
    const wsProvider = await createWorkspace(user, org, { source: repo.path });
    const ui = await call('POST', `/api/v1/organization/${org}/workspace/${wsUi}/schedule`, { token: user, body: doc('schedule', { templateReference: template, cron: '*/2 * * ? * * *' }) });
    const provider = await call('POST', `/api/v1/workspace/${wsProvider}/schedule`, { token: user, body: { data: { type: 'schedule', attributes: { cron: '*/2 * * * * ?', templateReference: template } } } });
    expect(ui.status, ui.text).toBe(201);
    expect(provider.status, provider.text).toBe(201);

    const scheduledJobs = async (ws: string) => (await jobsOf(user, org, ws)).filter((j) => j.attributes.via === 'Schedule');
    await vi.waitFor(async () => {
      expect((await scheduledJobs(wsUi)).length).toBeGreaterThanOrEqual(2);
      expect((await scheduledJobs(wsProvider)).length).toBeGreaterThanOrEqual(2);
    }, { timeout: 20_000, interval: 200 });

    // Stop both: disable one, delete the other.
    expect((await call('PATCH', `/api/v1/organization/${org}/workspace/${wsUi}/schedule/${ui.body.data.id}`, { token: user, body: { data: { type: 'schedule', id: ui.body.data.id, attributes: { enabled: false } } } })).status).toBe(204);
    expect((await call('DELETE', `/api/v1/workspace/${wsProvider}/schedule/${provider.body.data.id}`, { token: user })).status).toBe(204);
    const stoppedAt = Date.now();
    const counts = [(await scheduledJobs(wsUi)).length, (await scheduledJobs(wsProvider)).length];

    const lags: number[] = [];
    for (const ws of [wsUi, wsProvider]) {
      const jobs = await scheduledJobs(ws);
      for (const job of jobs) {
        const { job: done } = await waitForJob(user, org, job.id, ended, 60_000);
        expect(done.attributes).toMatchObject({ status: 'completed', via: 'Schedule', createdBy: 'new.user@example.com', templateReference: template });
      }
      // One job per fire time: each in its own 2-second slot.
      const slots = jobs.map((j) => Math.floor(Date.parse(j.attributes.createdDate) / PERIOD_MS));
      expect(new Set(slots).size).toBe(jobs.length);
      lags.push(...jobs.map((j) => Date.parse(j.attributes.createdDate) % PERIOD_MS));
    }
    if (process.env.PRINT_FIRE_LAG) console.log(`fire lag ms (job createdDate - fire time): ${lags.sort((a, b) => a - b).join(', ')}`);

    // A full period and more after stopping: no further job on either workspace.
    await new Promise((r) => setTimeout(r, Math.max(0, stoppedAt + PERIOD_MS + 500 - Date.now())));
    expect([(await scheduledJobs(wsUi)).length, (await scheduledJobs(wsProvider)).length]).toEqual(counts);
  });
});
