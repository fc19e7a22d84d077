/**
 * The GitHub Action's and the Bitbucket pipe's whole flow against a real run (issue 12, Must show): look
 * up by name → create the job → poll → read every step log, with the request shapes of
 * AzBuilder/terrakube-action-github (terrakube.ts, main.ts) and AzBuilder/terrakube-pipe-bitbucket
 * (pipe.sh, branch refactor terrakube_client.sh). Real engine, real terraform (terraform_data).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { adminToken, call, useTable } from '../helpers/api';
import { TF_CONFIG, gitRepo, useEngine } from '../helpers/engine';
import { createOrganization, unique } from '../helpers/fixtures';

useTable();
useEngine();
let admin: string;
let org: string;
let orgName: string;
beforeAll(async () => {
  admin = await adminToken();
  orgName = unique('action');
  org = await createOrganization(admin, orgName);
});

const TERMINAL_FOR_ACTION = ['completed', 'failed'];
const TERMINAL_FOR_PIPE = ['failed', 'completed', 'rejected', 'cancelled'];
const pathOf = (url: string) => new URL(url).pathname;

async function until<T>(read: () => Promise<T>, done: (t: T) => boolean, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const got = await read();
    if (done(got) || Date.now() > deadline) return got;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('GitHub Action flow (main.ts:10-127)', () => {
  it('looks up by name, creates the workspace and job, polls include=step, reads every step log by its absolute output URL', async () => {
    const repo = gitRepo({ 'infra/main.tf': TF_CONFIG });
    const wsName = unique('infra');
    // A1: organization by raw name; A2: workspace not found → A3: create it with the Action's template string.
    const o = await call('GET', `/api/v1/organization?filter[organization]=name==${orgName}`, { token: admin });
    const orgId = o.body.data[0].id;
    expect(orgId).toBe(org);
    expect((await call('GET', `/api/v1/organization/${orgId}/workspace?filter[workspace]=name==${wsName}`, { token: admin })).body.data.length).toBe(0);
    const created = await call('POST', `/api/v1/organization/${orgId}/workspace`, {
      token: admin,
      rawBody: `{"data":{"type":"workspace","attributes":{"name":"${wsName}","source":"${repo.path}","branch":"main","folder":"/infra","terraformVersion":"1.11.0"}}}`,
    });
    expect(created.status, created.text).toBe(201);
    const ws = created.body.data.id;
    // A5: the default template "Plan and apply", its space sent as %20 by @actions/http-client.
    const t = await call('GET', `/api/v1/organization/${orgId}/template?filter[template]=name==Plan%20and%20apply`, { token: admin });
    expect(t.body.data.length).toBe(1);
    // A6
    const job = await call('POST', `/api/v1/organization/${orgId}/job`, {
      token: admin,
      rawBody: JSON.stringify({ data: { type: 'job', attributes: { templateReference: t.body.data[0].id }, relationships: { workspace: { data: { type: 'workspace', id: ws } } } } }),
    });
    expect(job.status, job.text).toBe(201);
    // A7: poll while the status is neither completed nor failed.
    const done = await until(
      () => call('GET', `/api/v1/organization/${orgId}/job/${job.body.data.id}?include=step`, { token: admin }),
      (r) => TERMINAL_FOR_ACTION.includes(r.body.data.attributes.status),
    );
    expect(done.body.data.attributes.status, JSON.stringify(done.body.data.attributes.output)).toBe('completed');
    // A8: included holds only steps, in stepNumber order; each output an absolute URL serving the log.
    const included = done.body.included as any[];
    expect(included.map((s) => [s.type, s.attributes.name, s.attributes.status])).toEqual([['step', 'Plan', 'completed'], ['step', 'Apply', 'completed']]);
    const logs: string[] = [];
    for (let index = 0; index < Object.keys(included).length; index++) {
      const res = await call('GET', pathOf(included[index].attributes.output), { token: admin });
      expect(res.status).toBe(200);
      logs.push(res.text);
    }
    expect(logs[0]).toContain('Plan: 1 to add');
    expect(logs[1]).toContain('Apply complete!');
  });
});

describe('Bitbucket pipe flow (refactor terrakube_client.sh:8-126)', () => {
  it('looks up by name, creates the job from a one-line body, polls without include, lists steps sorted by stepNumber, reads the logs', async () => {
    const repo = gitRepo({ 'main.tf': TF_CONFIG });
    const wsName = unique('pipe');
    // P5: the pipe's one-line workspace body.
    const created = await call('POST', `/api/v1/organization/${org}/workspace`, {
      token: admin,
      rawBody: `{"data": {"type": "workspace","attributes": {"name": "${wsName}","source": "${repo.path}","branch": "main","folder": "/","terraformVersion": "1.11.0"}}}`,
    });
    expect(created.status, created.text).toBe(201);
    const ws = (await call('GET', `/api/v1/organization/${org}/workspace?filter[workspace]=name==${wsName}`, { token: admin })).body.data[0].id;
    const tpl = (await call('GET', `/api/v1/organization/${org}/template?filter[template]=name==Plan`, { token: admin })).body.data[0].id;
    // P6
    const job = await call('POST', `/api/v1/organization/${org}/job`, {
      token: admin,
      rawBody: `{"data": {"type": "job","attributes": {"templateReference": "${tpl}" },"relationships": {"workspace": {"data": {"type": "workspace","id": "${ws}"}}}}}`,
    });
    expect(job.status, job.text).toBe(201);
    // P7: GET job (no include) until failed|completed|rejected|cancelled.
    const done = await until(
      () => call('GET', `/api/v1/organization/${org}/job/${job.body.data.id}`, { token: admin }),
      (r) => TERMINAL_FOR_PIPE.includes(r.body.data.attributes.status),
    );
    expect(done.body.data.attributes.status).toBe('completed');
    // P8, P9: steps sorted by stepNumber, each output fetched.
    const steps = await call('GET', `/api/v1/organization/${org}/job/${job.body.data.id}/step?sort=stepNumber`, { token: admin });
    expect(steps.status).toBe(200);
    const outputs = (steps.body.data as any[]).map((s) => s.attributes.output as string);
    expect(outputs).toHaveLength(1);
    const log = await call('GET', pathOf(outputs[0] as string), { token: admin });
    expect(log.text).toContain('Plan: 1 to add');
  });
});
