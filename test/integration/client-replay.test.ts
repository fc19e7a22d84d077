/**
 * Replays the request shapes of Terrakube's real clients against the real server (issue 12, item 10).
 * Each case cites the client source it comes from (the research is /work/notes/clients.md); bodies are
 * sent byte for byte as the client builds them (rawBody), query strings as the client encodes them.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { adminToken, call, token, useTable } from '../helpers/api';
import { createOrganization, createTeam, createWorkspace, doc, templateId, unique } from '../helpers/fixtures';
import { createRule, createWebhook } from '../helpers/webhooks';

useTable();
let admin: string;
let org: string;
let orgName: string;
let ws: string;
let wsName: string;
beforeAll(async () => {
  admin = await adminToken();
  orgName = unique('replay');
  org = await createOrganization(admin, orgName);
  wsName = unique('infra');
  ws = await createWorkspace(admin, org, { name: wsName });
});

const O = () => `/api/v1/organization/${org}`;
const TCL = Buffer.from('flow:\n  - type: terraformPlan\n    step: 100\n').toString('base64');
const json = (body: unknown) => ({ rawBody: `${JSON.stringify(body)}\n` });

describe('GitHub Action (AzBuilder/terrakube-action-github terrakube.ts) and Bitbucket pipe (pipe.sh) look-ups', () => {
  it('finds organization, workspace and template by raw, unquoted name filters (terrakube.ts:37-147, pipe.sh:61-71)', async () => {
    const o = await call('GET', `/api/v1/organization?filter[organization]=name==${orgName}`, { token: admin });
    expect(o.status).toBe(200);
    expect(o.body.data.map((d: any) => d.id)).toEqual([org]);
    const w = await call('GET', `${O()}/workspace?filter[workspace]=name==${wsName}`, { token: admin });
    expect(w.body.data[0].id).toBe(ws);
    // The Action's http-client turns the space of "Plan and apply" into %20 (an unquoted RSQL value with a space).
    const t = await call('GET', `${O()}/template?filter[template]=name==Plan%20and%20apply`, { token: admin });
    expect(t.status).toBe(200);
    expect(t.body.data).toHaveLength(1);
    expect(t.body.data[0].attributes.name).toBe('Plan and apply');
    const none = await call('GET', `${O()}/workspace?filter[workspace]=name==no-such-${wsName}`, { token: admin });
    expect(none.body.data).toEqual([]);
  });

  it('creates the job with the pipe heredoc body, newlines kept (pipe.sh:8-28), id a string', async () => {
    const tpl = await templateId(admin, org, 'Plan');
    const heredoc = `{\n  "data": {\n    "type": "job",\n    "attributes": {\n      "templateReference": "${tpl}"\n    },\n    "relationships":{\n        "workspace":{\n            "data":{\n                "type": "workspace",\n                "id": "${ws}"\n            }\n        }\n    }\n  }\n}`;
    const res = await call('POST', `${O()}/job`, { token: admin, rawBody: heredoc });
    expect(res.status).toBe(201);
    expect(typeof res.body.data.id).toBe('string');
    const polled = await call('GET', `${O()}/job/${res.body.data.id}?include=step`, { token: admin });
    expect(polled.status).toBe(200);
    expect(Array.isArray(polled.body.included)).toBe(true);
    expect(polled.body.included.every((i: any) => i.type === 'step')).toBe(true);
    const steps = await call('GET', `${O()}/job/${res.body.data.id}/step?sort=stepNumber`, { token: admin });
    expect(steps.status).toBe(200);
  });

  it('finds a template by a quoted, percent-encoded name (provider organization_template_data_source.go:105)', async () => {
    const t = await call('GET', `${O()}/template?filter[template]=name=='Terraform-Plan%2FApply-Cli'`, { token: admin });
    expect(t.body.data.map((d: any) => d.attributes.name)).toEqual(['Terraform-Plan/Apply-Cli']);
  });
});

describe('terrakube-go / new CLI (terrakube-go v0.1.3 structs, CLI cmd/*.go)', () => {
  it('looks up an organization with the untyped, form-encoded filter (cmd/template.go:12-24)', async () => {
    const res = await call('GET', `/api/v1/organization?filter=name%3D%3D${encodeURIComponent(orgName)}`, { token: admin });
    expect(res.body.data.map((d: any) => d.id)).toEqual([org]);
    const w = await call('GET', `${O()}/workspace?filter%5Bworkspace%5D=name%3D%3D${wsName}`, { token: admin });
    expect(w.body.data.map((d: any) => d.id)).toEqual([ws]);
  });

  it('job create sends every attribute zero-valued plus a top-level included workspace (C1, job.go:6-27)', async () => {
    const body = {
      data: {
        type: 'job',
        attributes: { approvalTeam: null, command: 'plan', comments: null, commitId: null, createdBy: null, createdDate: null, output: '', overrideBranch: null, overrideSource: null, planChanges: false, refresh: false, refreshOnly: false, replaceAddrs: null, status: '', targetAddrs: ['terraform_data.a', 'module.m.terraform_data.b["k"]'], tcl: null, templateReference: null, terraformPlan: null, updatedBy: null, updatedDate: null, via: null },
        relationships: { workspace: { data: { type: 'workspace', id: ws } } },
      },
      included: [{ type: 'workspace', id: ws, attributes: { allowRemoteApply: false, branch: '', createdBy: null, createdDate: null, defaultTemplate: '', deleted: false, description: null, executionMode: '', folder: '', iacType: '', lastJobDate: null, lastJobStatus: null, lockDescription: null, locked: false, moduleSshKey: null, name: '', source: '', terraformVersion: '', updatedBy: null, updatedDate: null } }],
    };
    const res = await call('POST', `${O()}/job`, { token: admin, ...json(body) });
    expect(res.status, res.text).toBe(201);
    const job = res.body.data;
    expect(typeof job.id).toBe('string');
    expect(job.relationships.workspace.data).toEqual({ type: 'workspace', id: ws });
    expect(job.attributes.targetAddrs).toEqual(['terraform_data.a', 'module.m.terraform_data.b["k"]']);
    expect(typeof job.attributes.output === 'string' || job.attributes.output === null).toBe(true);
    for (const flag of ['planChanges', 'refresh', 'refreshOnly']) expect(typeof job.attributes[flag]).toBe('boolean');

    // C2: `job update --status cancelled` resends output, approvalTeam … unchanged and zero-valued.
    const cancel = {
      data: {
        type: 'job',
        id: job.id,
        attributes: { approvalTeam: null, command: '', comments: null, commitId: null, createdBy: null, createdDate: null, output: '', overrideBranch: null, planChanges: false, refresh: false, refreshOnly: false, status: 'cancelled', tcl: null, templateReference: null, terraformPlan: null, updatedBy: null, updatedDate: null, via: null },
      },
    };
    const patched = await call('PATCH', `${O()}/job/${job.id}`, { token: admin, ...json(cancel) });
    expect(patched.status, patched.text).toBe(204);
    const after = await call('GET', `${O()}/job/${job.id}`, { token: admin });
    expect(after.body.data.attributes.status).toBe('cancelled');
    // C3: the list the CLI prints, form-encoded filter.
    const list = await call('GET', `${O()}/job?filter%5Bjob%5D=status%3D%3Dcancelled`, { token: admin });
    expect(list.body.data.map((j: any) => j.id)).toContain(job.id);
  });

  it('rejects a target that is not a resource address, and changes nothing', async () => {
    const res = await call('POST', `${O()}/job`, { token: admin, body: doc('job', { command: 'plan', targetAddrs: ['-destroy'] }, { relationships: { workspace: { data: { type: 'workspace', id: ws } } } }) });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].source.pointer).toMatch(/targetAddrs/);
  });

  it('workspace create and a soft delete by the whole-struct update (workspace.go, e2e_operations.bats:1277)', async () => {
    const name = unique('cli-ws');
    const create = { data: { type: 'workspace', attributes: { allowRemoteApply: false, branch: 'main', createdBy: null, createdDate: null, defaultTemplate: '', deleted: false, description: null, executionMode: 'remote', folder: '/', iacType: 'terraform', lastJobDate: null, lastJobStatus: null, lockDescription: null, locked: false, moduleSshKey: null, name, source: 'https://github.com/acme/infra.git', terraformVersion: '1.9.8', updatedBy: null, updatedDate: null } } };
    const res = await call('POST', `${O()}/workspace`, { token: admin, ...json(create) });
    expect(res.status, res.text).toBe(201);
    const id = res.body.data.id;
    expect(res.body.data.attributes).toMatchObject({ executionMode: 'remote', lastJobStatus: 'NeverExecuted', locked: false });
    expect(res.body.data.relationships.organization.data).toEqual({ type: 'organization', id: org });
    expect(res.body.data.relationships.vcs).toEqual({ data: null });
    const del = { data: { type: 'workspace', id, attributes: { ...create.data.attributes, deleted: true, iacType: 'tofu', name: 'abc123' } } };
    const patched = await call('PATCH', `${O()}/workspace/${id}`, { token: admin, ...json(del) });
    expect(patched.status, patched.text).toBe(204);
    const list = await call('GET', `${O()}/workspace`, { token: admin });
    expect(list.body.data.map((w: any) => w.id)).not.toContain(id);
    expect((await call('GET', `${O()}/workspace/${id}`, { token: admin })).status).toBe(404);
    // The name is free again.
    expect((await call('POST', `${O()}/workspace`, { token: admin, ...json(create) })).status).toBe(201);
  });

  it('a whole-struct workspace update with every flag passed (e2e_operations.bats:168-195) is taken literally', async () => {
    const id = await createWorkspace(admin, org, { name: unique('whole') });
    await call('PATCH', `${O()}/workspace/${id}`, { token: admin, body: { data: { type: 'workspace', id, attributes: { locked: true, lockDescription: 'maintenance' } } } });
    const before = (await call('GET', `${O()}/workspace/${id}`, { token: admin })).body.data.attributes;
    const update = { data: { type: 'workspace', id, attributes: { allowRemoteApply: false, branch: 'main', createdBy: null, createdDate: null, defaultTemplate: '', deleted: false, description: 'new text', executionMode: 'remote', folder: '/', iacType: 'terraform', lastJobDate: null, lastJobStatus: null, lockDescription: null, locked: false, moduleSshKey: null, name: before.name, source: before.source, terraformVersion: '1.9.8', updatedBy: null, updatedDate: null } } };
    const res = await call('PATCH', `${O()}/workspace/${id}`, { token: admin, ...json(update) });
    expect(res.status, res.text).toBe(204);
    // As in Terrakube (Elide stores what is sent): the CLI's locked:false unlocks (clients.md §11.1).
    const got = (await call('GET', `${O()}/workspace/${id}`, { token: admin })).body.data.attributes;
    expect(got).toMatchObject({ description: 'new text', locked: false, terraformVersion: '1.9.8', executionMode: 'remote' });
  });

  it('team create with every flag, v0.1.3 audit nulls and v0.5.0 planJob/approveJob/role (team.go, cmd/team.go:31-42)', async () => {
    const name = unique('CLI_TEAM');
    const body = { data: { type: 'team', attributes: { approveJob: true, createdBy: null, createdDate: null, manageCollection: false, manageJob: true, manageModule: false, manageProvider: false, manageState: false, manageTemplate: false, manageVcs: false, manageWorkspace: true, name, planJob: true, role: '', updatedBy: null, updatedDate: null } } };
    const res = await call('POST', `${O()}/team`, { token: admin, ...json(body) });
    expect(res.status, res.text).toBe(201);
    expect(res.body.data.attributes).toMatchObject({ approveJob: true, planJob: true, manageWorkspace: true, manageState: false });
    const list = await call('GET', `${O()}/team?filter%5Bteam%5D=name%3D%3D${name}`, { token: admin });
    expect(list.body.data.map((t: any) => t.id)).toEqual([res.body.data.id]);
  });

  it('variable and template bodies with zero values (variable.go, template.go)', async () => {
    const v = await call('POST', `${O()}/workspace/${ws}/variable`, {
      token: admin,
      ...json({ data: { type: 'variable', attributes: { category: 'ENV', description: '', hcl: false, key: 'test1', sensitive: false, value: '1' } } }),
    });
    expect(v.status, v.text).toBe(201);
    const found = await call('GET', `${O()}/workspace/${ws}/variable?filter%5Bvariable%5D=key%3D%3Dtest1`, { token: admin });
    expect(found.body.data.map((x: any) => x.id)).toEqual([v.body.data.id]);
    const t = await call('POST', `${O()}/template`, {
      token: admin,
      ...json({ data: { type: 'template', attributes: { createdBy: null, createdDate: null, description: 'descab12', name: unique('tmpl'), tcl: TCL, updatedBy: null, updatedDate: null, version: '1.0.0' } } }),
    });
    expect(t.status, t.text).toBe(201);
    expect(t.body.data.attributes.tcl).toBe(TCL);
  });
});

describe('terraform provider (terrakube-io/terraform-provider-terrakube) reads by id', () => {
  it('GET /api/v1/webhook/{id}, /api/v1/workspace/{id}, /api/v1/webhook_event/{id} (workspace_webhook_event_resource.go:551-960)', async () => {
    const tpl = await templateId(admin, org, 'Plan');
    const webhook = await createWebhook(admin, org, ws);
    const event = await createRule(admin, org, ws, webhook.id, { event: 'PUSH', branch: 'main', templateId: tpl });
    // Provider GETs carry a Content-Type and no body (client.go; clients.md §6).
    const headers = { 'content-type': 'application/vnd.api+json' };
    const wh = await call('GET', `/api/v1/webhook/${webhook.id}`, { token: admin, headers });
    expect(wh.status, wh.text).toBe(200);
    expect(wh.body.data.relationships.workspace.data.id).toBe(ws);
    expect(wh.body.data.relationships.events.data.map((e: any) => e.id)).toEqual([event]);
    const w = await call('GET', `/api/v1/workspace/${wh.body.data.relationships.workspace.data.id}`, { token: admin, headers });
    expect(w.status).toBe(200);
    expect(w.body.data.relationships.organization.data.id).toBe(org);
    const ev = await call('GET', `/api/v1/webhook_event/${event}`, { token: admin, headers });
    expect(ev.status, ev.text).toBe(200);
    expect(ev.body.data.relationships.webhook.data.id).toBe(webhook.id);
    expect(typeof ev.body.data.attributes.priority).toBe('number');
    // An outsider cannot tell them from ids that do not exist.
    const outsider = await token('stranger@example.com', ['NOBODY']);
    for (const path of [`/api/v1/webhook/${webhook.id}`, `/api/v1/workspace/${ws}`, `/api/v1/webhook_event/${event}`, `/api/v1/webhook_event/${crypto.randomUUID()}`]) {
      expect((await call('GET', path, { token: outsider })).status).toBe(404);
    }
  });
});

describe('old CLI (AzBuilder/terrakube-cli client/client/job.go:23-35)', () => {
  it('creates a job with command on the organization path, keys in struct order', async () => {
    const raw = `{"data":{"attributes":{"command":"apply"},"relationships":{"workspace":{"data":{"id":"${ws}","type":"workspace"}}},"type":"job"}}`;
    const res = await call('POST', `${O()}/job`, { token: admin, rawBody: raw });
    expect(res.status, res.text).toBe(201);
    const list = await call('GET', `${O()}/job`, { token: admin });
    expect(list.body.data.map((j: any) => j.id)).toContain(res.body.data.id);
  });

  it('team update spells the type "Team" (cmd/team_update.go; Elide checks only the id on PATCH)', async () => {
    const team = await createTeam(admin, org, unique('OLD_CLI'));
    const raw = `{"data":{"attributes":{"manageWorkspace":true},"id":"${team}","type":"Team"}}`;
    const res = await call('PATCH', `${O()}/team/${team}`, { token: admin, rawBody: raw });
    expect(res.status, res.text).toBe(204);
    expect((await call('GET', `${O()}/team/${team}`, { token: admin })).body.data.attributes.manageWorkspace).toBe(true);
  });
});

describe('Terrakube UI (terrakube-io/terrakube ui/src)', () => {
  it('run list from GET workspace?include=job,variable,history,… (Workspaces/Details.tsx:440-448)', async () => {
    const id = await createWorkspace(admin, org);
    const tpl = await templateId(admin, org, 'Plan');
    const created: string[] = [];
    for (let i = 0; i < 3; i++) {
      const j = await call('POST', `${O()}/job`, { token: admin, body: doc('job', { templateReference: tpl, via: 'UI' }, { relationships: { workspace: { data: { type: 'workspace', id } } } }) });
      expect(j.status, j.text).toBe(201);
      created.push(j.body.data.id);
    }
    await call('POST', `${O()}/workspace/${id}/variable`, { token: admin, body: doc('variable', { key: 'region', value: 'eu', category: 'ENV', sensitive: false, hcl: false }) });
    const res = await call('GET', `${O()}/workspace/${id}?include=job,variable,history,schedule,vcs,agent,organization,webhook,reference,project`, { token: admin });
    expect(res.status, res.text).toBe(200);
    const data = res.body.data;
    expect(data.relationships.organization.data.id).toBe(org);
    expect(data.relationships.vcs).toEqual({ data: null });
    expect(data.relationships.history.data).toEqual([]);
    const jobs = res.body.included.filter((i: any) => i.type === 'job');
    expect(jobs.map((j: any) => j.id).sort()).toEqual([...created].sort());
    expect(typeof jobs[0].attributes.createdDate).toBe('string');
    expect(res.body.included.filter((i: any) => i.type === 'variable').map((v: any) => v.attributes.category)).toEqual(['ENV']);
    expect(res.body.included.find((i: any) => i.type === 'organization').attributes.name).toBe(orgName);
    expect(data.attributes.lastJobStatus).toBe('pending');
  });

  it('lock with lockDescription, unlock with an empty one (Settings/Locking.tsx:26-97)', async () => {
    const id = await createWorkspace(admin, org);
    const lock = await call('PATCH', `${O()}/workspace/${id}`, { token: admin, body: { data: { type: 'workspace', id, attributes: { locked: true, lockDescription: 'maintenance' } } } });
    expect(lock.status, lock.text).toBe(204);
    expect((await call('GET', `${O()}/workspace/${id}`, { token: admin })).body.data.attributes).toMatchObject({ locked: true, lockDescription: 'maintenance' });
    const unlock = await call('PATCH', `${O()}/workspace/${id}`, { token: admin, body: { data: { type: 'workspace', id, attributes: { locked: false, lockDescription: '' } } } });
    expect(unlock.status).toBe(204);
    expect((await call('GET', `${O()}/workspace/${id}`, { token: admin })).body.data.attributes.locked).toBe(false);
  });

  it('deletes a workspace: PATCH relationships/vcs {data:null}, then PATCH deleted:"true" and a renamed name, both 204 (Settings/Advanced.tsx:30-66)', async () => {
    const id = await createWorkspace(admin, org);
    // The UI sends this first, even without a VCS; only if it succeeds does the delete follow.
    const vcs = await call('PATCH', `/api/v1/organization/${org}/workspace/${id}/relationships/vcs`, { token: admin, body: { data: null } });
    expect(vcs.status, vcs.text).toBe(204);
    const res = await call('PATCH', `${O()}/workspace/${id}`, { token: admin, body: { data: { type: 'workspace', id, attributes: { name: 'infra_DEL_aB3x', deleted: 'true' } } } });
    expect(res.status, res.text).toBe(204);
    expect((await call('GET', `${O()}/workspace/${id}`, { token: admin })).status).toBe(404);
  });

  it('sets and clears agent and project through relationship links (Settings/General.tsx:156,169)', async () => {
    const id = await createWorkspace(admin, org);
    const agent = crypto.randomUUID();
    const set = await call('PATCH', `${O()}/workspace/${id}/relationships/agent`, { token: admin, body: { data: { type: 'agent', id: agent } } });
    expect(set.status, set.text).toBe(204);
    expect((await call('GET', `${O()}/workspace/${id}`, { token: admin })).body.data.relationships.agent).toEqual({ data: { type: 'agent', id: agent } });
    expect((await call('PATCH', `${O()}/workspace/${id}/relationships/project`, { token: admin, body: { data: null } })).status).toBe(204);
    expect((await call('PATCH', `${O()}/workspace/${id}/relationships/agent`, { token: admin, body: { data: { type: 'vcs', id: agent } } })).status).toBe(400);
    expect((await call('PATCH', `${O()}/workspace/${id}/relationships/job`, { token: admin, body: { data: null } })).status).toBe(404);
  });

  it('job create with targetAddrs and via UI (Jobs/Create.tsx)', async () => {
    const tpl = await templateId(admin, org, 'Plan');
    const res = await call('POST', `${O()}/job`, { token: admin, body: doc('job', { templateReference: tpl, via: 'UI', targetAddrs: ['terraform_data.example'] }, { relationships: { workspace: { data: { type: 'workspace', id: ws } } } }) });
    expect(res.status, res.text).toBe(201);
    expect(res.body.data.attributes.targetAddrs).toEqual(['terraform_data.example']);
  });

  it('team form: flags left out, role custom, planJob lets a member start jobs (Settings/EditTeam.tsx:96-172)', async () => {
    const name = unique('PLANNERS');
    const res = await call('POST', `${O()}/team`, { token: admin, body: doc('team', { name, manageJob: true, role: 'custom', planJob: true }) });
    expect(res.status, res.text).toBe(201);
    expect(res.body.data.attributes).toMatchObject({ planJob: true, role: 'custom' });
    const patch = await call('PATCH', `${O()}/team/${res.body.data.id}`, { token: admin, body: { data: { type: 'team', id: res.body.data.id, attributes: { manageJob: false, role: 'custom', planJob: true, approveJob: false, manageState: true } } } });
    expect(patch.status, patch.text).toBe(204);
    expect((await call('GET', `${O()}/team/${res.body.data.id}`, { token: admin })).body.data.attributes).toMatchObject({ manageJob: false, planJob: true, manageState: true, approveJob: false });
    const planner = await token('planner@example.com', [name]);
    const tpl = await templateId(admin, org, 'Plan');
    const job = await call('POST', `${O()}/job`, { token: planner, body: doc('job', { templateReference: tpl }, { relationships: { workspace: { data: { type: 'workspace', id: ws } } } }) });
    expect(job.status, job.text).toBe(201);
  });

  it('lists every template and team beyond 20 rows, unpaged (Templates.tsx:51-52, Teams.tsx:71-72)', async () => {
    const o = await createOrganization(admin);
    for (let i = 0; i < 22; i++) await createTeam(admin, o, `T${i}-${unique('x')}`);
    const teams = await call('GET', `/api/v1/organization/${o}/team`, { token: admin });
    expect(teams.body.data).toHaveLength(22);
    expect(teams.body.links.next).toBeUndefined();
    const paged = await call('GET', `/api/v1/organization/${o}/team?page[size]=10`, { token: admin });
    expect(paged.body.data).toHaveLength(10);
    expect(paged.body.links.next).toBeTruthy();
  });
});

describe('transport leniency (contract §8)', () => {
  it('a trailing slash, and a DELETE with a Content-Type and no body', async () => {
    const res = await call('GET', `${O()}/job/`, { token: admin });
    expect(res.status).toBe(200);
    const v = await call('POST', `${O()}/workspace/${ws}/variable`, { token: admin, body: doc('variable', { key: `k${Date.now()}`, value: 'v' }) });
    const del = await call('DELETE', `${O()}/workspace/${ws}/variable/${v.body.data.id}`, { token: admin, headers: { 'content-type': 'application/vnd.api+json' } });
    expect(del.status).toBe(204);
  });

  it('a truly unknown attribute is still a 400 naming it', async () => {
    const res = await call('POST', `${O()}/workspace`, { token: admin, body: doc('workspace', { name: unique('w'), source: 'https://x/y.git', colour: 'blue' }) });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].source.pointer).toBe('/data/attributes/colour');
  });
});

describe('JSON:API atomic operations at POST /api/v1/operations', () => {
  const ATOMIC = 'application/vnd.api+json;ext="https://jsonapi.org/ext/atomic"';
  const atomic = (operations: unknown[], tok = admin) =>
    call('POST', '/api/v1/operations', { token: tok, rawBody: JSON.stringify({ 'atomic:operations': operations }), contentType: ATOMIC, headers: { accept: ATOMIC } });

  it('UI workspace create with lid and empty relationships (Workspaces/Create.tsx:458-520), then settings update (General.tsx:99-126)', async () => {
    const tpl = await templateId(admin, org, 'Plan');
    const name = unique('ui-ws');
    const res = await atomic([{ op: 'add', href: `/organization/${org}/workspace`, data: { type: 'workspace', lid: crypto.randomUUID(), attributes: { source: 'https://github.com/acme/infra.git', folder: '/', name, terraformVersion: '1.9.8', branch: 'main', iacType: 'terraform', defaultTemplate: tpl, executionMode: 'remote' }, relationships: {} } }]);
    expect(res.status, res.text).toBe(200);
    const id = res.body['atomic:results'][0].data.id;
    expect(typeof id).toBe('string');
    const settings = await atomic([{ op: 'update', href: `/organization/${org}/workspace/${id}`, data: { type: 'workspace', id, attributes: { name, description: 'edited', folder: '/live', executionMode: 'remote', terraformVersion: '1.9.8', iacType: 'terraform', branch: 'main', defaultTemplate: tpl } } }]);
    expect(settings.status, settings.text).toBe(200);
    expect(settings.body['atomic:results']).toEqual([{ data: null }]);
    expect((await call('GET', `${O()}/workspace/${id}`, { token: admin })).body.data.attributes).toMatchObject({ description: 'edited', folder: '/live' });
  });

  it('UI webhook save: a webhook with a client id and op-level relationships, and its event, in one request (Settings/Webhook.tsx:242-294)', async () => {
    const tpl = await templateId(admin, org, 'Plan');
    const id = await createWorkspace(admin, org);
    const wh = crypto.randomUUID();
    const ev = crypto.randomUUID();
    const res = await atomic([
      { op: 'add', href: `/organization/${org}/workspace/${id}/webhook`, data: { type: 'webhook', id: wh }, relationships: { events: { data: [{ type: 'webhook_event', id: ev }] } } },
      { op: 'add', href: `/organization/${org}/workspace/${id}/webhook/${wh}/events`, data: { type: 'webhook_event', id: ev, attributes: { priority: 1, event: 'PUSH', branch: 'main', path: 'modules/**', pathType: 'PATTERN', templateId: tpl, prWorkflowEnabled: false, prApplyEnabled: false } } },
    ]);
    expect(res.status, res.text).toBe(200);
    expect(res.body['atomic:results'].map((r: any) => r.data.id)).toEqual([wh, ev]);
    const got = await call('GET', `/api/v1/webhook/${wh}`, { token: admin });
    expect(got.body.data.relationships.events.data.map((e: any) => e.id)).toEqual([ev]);
    // The second save: update of the to-one …/workspace/W/webhook href, an event update and a new event.
    const ev2 = crypto.randomUUID();
    const again = await atomic([
      { op: 'update', href: `/organization/${org}/workspace/${id}/webhook`, data: { type: 'webhook', id: wh }, relationships: { events: { data: [{ type: 'webhook_event', id: ev }, { type: 'webhook_event', id: ev2 }] } } },
      { op: 'update', href: `/organization/${org}/workspace/${id}/webhook/${wh}/events/${ev}`, data: { type: 'webhook_event', id: ev, attributes: { priority: 2, event: 'PUSH', branch: 'main', path: 'modules/**', pathType: 'PATTERN', templateId: tpl, prWorkflowEnabled: false, prApplyEnabled: false } } },
      { op: 'add', href: `/organization/${org}/workspace/${id}/webhook/${wh}/events`, data: { type: 'webhook_event', id: ev2, attributes: { priority: 3, event: 'PULL_REQUEST', branch: 'main', path: '.*', pathType: 'REGEX', templateId: tpl, prWorkflowEnabled: false, prApplyEnabled: false } } },
    ]);
    expect(again.status, again.text).toBe(200);
    const events = await call('GET', `${O()}/workspace/${id}/webhook/${wh}/events`, { token: admin });
    expect(events.body.data.map((e: any) => [e.id, e.attributes.priority]).sort()).toEqual([[ev, 2], [ev2, 3]].sort());
  });

  it('provider webhook event add, update and remove by root-level and nested hrefs (workspace_webhook_event_resource.go:274-813)', async () => {
    const tpl = await templateId(admin, org, 'Plan');
    const webhook = await createWebhook(admin, org, ws);
    const ev = crypto.randomUUID();
    const attributes = { branch: 'main,release/.*', event: 'PUSH', path: '.*', prApplyEnabled: false, prWorkflowEnabled: false, priority: 1, templateId: tpl };
    const add = await atomic([{ data: { attributes, id: ev, type: 'webhook_event' }, href: `/webhook/${webhook.id}/events`, op: 'add' }]);
    expect(add.status, add.text).toBe(200);
    expect(add.body['atomic:results'][0].data.id).toBe(ev);
    const update = await atomic([{ data: { attributes: { ...attributes, priority: 5 }, id: ev, type: 'webhook_event' }, href: `/organization/${org}/workspace/${ws}/webhook/${webhook.id}/events/${ev}`, op: 'update' }]);
    expect(update.status, update.text).toBe(200);
    expect((await call('GET', `/api/v1/webhook_event/${ev}`, { token: admin })).body.data.attributes.priority).toBe(5);
    const remove = await atomic([{ href: `/webhook/${webhook.id}/events/${ev}`, op: 'remove' }]);
    expect(remove.status, remove.text).toBe(200);
    expect((await call('GET', `/api/v1/webhook_event/${ev}`, { token: admin })).status).toBe(404);
  });

  it('provider webhook v2 create, keys sorted by json.Marshal, op-level relationships (workspace_webhook_v2_resource.go:138-163)', async () => {
    const id = await createWorkspace(admin, org);
    const wh = crypto.randomUUID();
    const res = await atomic([{ data: { attributes: { migratedV2: false }, id: wh, type: 'webhook' }, href: `/organization/${org}/workspace/${id}/webhook`, op: 'add', relationships: { workspace: { data: { id, type: 'workspace' } } } }]);
    expect(res.status, res.text).toBe(200);
    expect(res.body['atomic:results'][0].data.id).toBe(wh);
    const got = await call('GET', `${O()}/workspace/${id}/webhook/${wh}`, { token: admin, headers: { 'content-type': 'application/vnd.api+json' } });
    expect(got.status).toBe(200);
    expect(got.body.data.attributes.migratedV2).toBe(false);
    expect((await call('DELETE', `${O()}/workspace/${id}/webhook/${wh}`, { token: admin })).status).toBe(204);
  });

  it('is all or nothing: a failing operation is a 4xx pointing at it, and the earlier one is not applied', async () => {
    const name = unique('never');
    const res = await atomic([
      { op: 'add', href: `/organization/${org}/workspace`, data: { type: 'workspace', attributes: { name, source: 'https://github.com/acme/infra.git' } } },
      { op: 'add', href: `/organization/${org}/workspace`, data: { type: 'workspace', attributes: { name: unique('w'), source: 'ftp://nope' } } },
    ]);
    expect(res.status).toBe(400);
    expect(res.body.errors[0].source.pointer).toBe('/atomic:operations/1/data/attributes/source');
    const list = await call('GET', `${O()}/workspace?filter[workspace]=name==${name}`, { token: admin });
    expect(list.body.data).toEqual([]);
    const bad = await atomic([{ op: 'move', href: `/organization/${org}/workspace` }]);
    expect(bad.body.errors[0].source.pointer).toBe('/atomic:operations/0/op');
  });

  it('answers 415 without the atomic extension, and 404 to an outsider without writing', async () => {
    const plain = await call('POST', '/api/v1/operations', { token: admin, body: { 'atomic:operations': [] } });
    expect(plain.status).toBe(415);
    const outsider = await token('stranger@example.com', ['NOBODY']);
    const name = unique('outsider');
    const res = await atomic([{ op: 'add', href: `/organization/${org}/workspace`, data: { type: 'workspace', attributes: { name, source: 'https://github.com/acme/infra.git' } } }], outsider);
    expect(res.status).toBe(404);
    expect((await call('GET', `${O()}/workspace?filter[workspace]=name==${name}`, { token: admin })).body.data).toEqual([]);
  });
});
