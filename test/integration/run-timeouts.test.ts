/** Every wait has a timeout: a step that runs too long and an approval never given both fail the job. */
import { beforeAll, describe, expect, it } from 'vitest';
import { adminToken, call, useTable } from '../helpers/api';
import { b64, createOrganization, createWorkspace, postJob } from '../helpers/fixtures';
import { TF_CONFIG, ended, gitRepo, useEngine, waitForJob } from '../helpers/engine';

useTable();
useEngine({ stepSeconds: 2, approvalSeconds: 2 });
let admin: string;
let org: string;
let source: string;

beforeAll(async () => {
  admin = await adminToken();
  org = await createOrganization(admin);
  source = gitRepo({ 'main.tf': TF_CONFIG }).path;
});

const start = async (ws: string, yaml: string) => {
  const res = await postJob(admin, org, ws, { tcl: b64(yaml) });
  expect(res.status, res.text).toBe(201);
  return res.body.data.id as string;
};

describe('timeouts', () => {
  it('fails a step that runs past the step timeout, kills it, and frees the workspace', async () => {
    const ws = await createWorkspace(admin, org, { source });
    const slow = await start(ws, 'flow:\n  - type: customScripts\n    step: 1\n    commands:\n      - { script: "sleep 30" }\n');
    const next = await start(ws, 'flow:\n  - type: customScripts\n    step: 1\n    commands:\n      - { script: "echo next" }\n');
    const { job, steps } = await waitForJob(admin, org, slow, ended, 20_000);
    expect(job.attributes.status).toBe('failed');
    expect(job.attributes.output).toContain('timed out after 2s');
    expect(steps[0]?.attributes.status).toBe('failed');
    expect((await waitForJob(admin, org, next, ended)).job.attributes.status).toBe('completed');
  });

  it('fails a job whose approval is not given in time, and frees the workspace', async () => {
    const ws = await createWorkspace(admin, org, { source });
    const waiting = await start(ws, 'flow:\n  - type: approval\n    step: 1\n    team: NOBODY\n  - type: customScripts\n    step: 2\n    commands:\n      - { script: "echo never" }\n');
    const next = await start(ws, 'flow:\n  - type: customScripts\n    step: 1\n    commands:\n      - { script: "echo next" }\n');
    const { job, steps } = await waitForJob(admin, org, waiting, ended, 20_000);
    expect(job.attributes.status).toBe('failed');
    expect(job.attributes.output).toContain('no approval within 2s');
    expect(steps.map((s) => s.attributes.status)).toEqual(['failed', 'notExecuted']);
    const approve = await call('PATCH', `/api/v1/organization/${org}/job/${waiting}`, { token: admin, body: { data: { type: 'job', id: waiting, attributes: { status: 'approved' } } } });
    expect(approve.status).toBe(409);
    expect((await waitForJob(admin, org, next, ended)).job.attributes.status).toBe('completed');
  });
});
