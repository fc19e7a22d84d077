/**
 * The TFE API's rules that the terraform e2e run does not reach: what discovery and ping promise, who
 * sees what (404 outside, 401 for a bad token), lock conflicts, the state checks terraform relies on
 * (serial, lineage, MD5, pending until uploaded), outputs with hidden sensitive values, the Jobs API's
 * history, and configuration uploads past their limit. In process, one organization for every case.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_CONFIGURATION_BYTES } from '../../shared/domain/versions';
import { adminToken, call, token, useTable } from '../helpers/api';
import { createOrganization, createTeam, unique } from '../helpers/fixtures';
import { directObjects, md5, pushState, stateFile, tfe } from '../helpers/tfe';

useTable();
let admin: string;
let reader: string;
let outsider: string;
let org: string;
let orgName: string;
let ws: string;

beforeAll(async () => {
  admin = await adminToken();
  org = await createOrganization(admin);
  orgName = (await call('GET', `/api/v1/organization/${org}`, { token: admin })).body.data.attributes.name;
  await createTeam(admin, org, 'READERS', {});
  reader = await token('reader@example.com', ['READERS']);
  outsider = await token('outsider@example.com', ['ELSEWHERE']);
  const created = await tfe('POST', `organizations/${orgName}/workspaces`, admin, { data: { type: 'workspaces', attributes: { name: unique('cli') } } });
  expect(created.status, created.text).toBe(201);
  ws = created.body.data.id;
});

describe('TFE API', () => {
  it('discovery names the API; ping carries the version headers terraform requires; both are public', async () => {
    const disco = await call('GET', '/.well-known/terraform.json');
    expect(disco.status).toBe(200);
    expect(disco.headers['content-type']).toMatch(/^application\/json/);
    expect(disco.body).toMatchObject({ 'tfe.v2': '/api/v2/', 'tfe.v2.1': '/api/v2/' });
    const ping = await call('GET', '/api/v2/ping');
    expect(Number(ping.headers['tfp-api-version'])).toBeGreaterThanOrEqual(2.5);
  });

  it('refuses a bad token with 401 and hides an organization from outsiders with 404', async () => {
    expect((await tfe('GET', `organizations/${orgName}/entitlement-set`, 'not-a-token')).status).toBe(401);
    expect((await tfe('GET', `organizations/${orgName}/entitlement-set`, outsider)).status).toBe(404);
    expect((await tfe('GET', `workspaces/${ws}`, outsider)).status).toBe(404);
    const ent = await tfe('GET', `organizations/${orgName}/entitlement-set`, reader);
    expect(ent.body.data.attributes.operations).toBe(true);
  });

  it('a reader sees the workspace but may not queue runs, lock or create workspaces', async () => {
    const read = await tfe('GET', `workspaces/${ws}`, reader);
    expect(read.body.data.attributes.permissions).toMatchObject({ 'can-queue-run': false, 'can-queue-apply': false, 'can-update': false });
    expect((await tfe('POST', `workspaces/${ws}/actions/lock`, reader, { data: { type: '', attributes: {} } })).status).toBe(403);
    expect((await tfe('POST', `organizations/${orgName}/workspaces`, reader, { data: { type: 'workspaces', attributes: { name: 'x' } } })).status).toBe(403);
  });

  it('locks once (409 the second time), answers with the workspace, and unlocks once', async () => {
    const lock = () => tfe('POST', `workspaces/${ws}/actions/lock`, admin, { data: { type: '', attributes: { reason: 'Locked by Terraform' } } });
    const first = await lock();
    expect(first.status).toBe(200);
    expect(first.body.data.attributes.locked).toBe(true);
    expect((await lock()).status).toBe(409);
    expect((await tfe('POST', `workspaces/${ws}/actions/unlock`, admin)).status).toBe(200);
    expect((await tfe('POST', `workspaces/${ws}/actions/unlock`, admin)).status).toBe(409);
  });

  it('keeps state versions as terraform expects: none yet, pending until uploaded, serial and lineage checked, MD5 verified', async () => {
    expect((await tfe('GET', `workspaces/${ws}/current-state-version`, admin)).status).toBe(404);
    expect((await tfe('GET', `workspaces/${ws}/current-state-version-outputs`, admin)).body.data).toEqual([]);

    const lineage = crypto.randomUUID();
    const outputs = { greeting: { value: 'hi', type: 'string' }, secret: { value: 's3cr3t', type: 'string', sensitive: true } };
    const first = await pushState(directObjects, admin, ws, stateFile(3, lineage, outputs));
    expect(first.body.data.attributes).toMatchObject({ status: 'finalized', serial: 3 });

    const older = await pushState(directObjects, admin, ws, stateFile(2, lineage));
    expect(older.status, older.text).toBe(409);
    const otherLineage = await pushState(directObjects, admin, ws, stateFile(4, crypto.randomUUID()));
    expect(otherLineage.status, otherLineage.text).toBe(409);

    // An upload that is not what was announced never becomes current.
    const announced = stateFile(5, lineage);
    const created = await tfe('POST', `workspaces/${ws}/state-versions`, admin, { data: { type: 'state-versions', attributes: { serial: 5, lineage, md5: md5(announced) } } });
    expect(created.status, created.text).toBe(201);
    expect(created.body.data.attributes.status).toBe('pending');
    await directObjects.put(created.body.data.attributes['hosted-state-upload-url'], stateFile(5, lineage, { sneaky: { value: 'x', type: 'string' } }));
    expect((await tfe('GET', `state-versions/${created.body.data.id}`, admin)).status).toBe(409);

    const current = await tfe('GET', `workspaces/${ws}/current-state-version`, admin);
    expect(current.body.data).toMatchObject({ id: first.body.data.id, attributes: { serial: 3, lineage } });
    const download = await tfe('GET', `state-versions/${first.body.data.id}/download`, admin);
    expect(download.status).toBe(302);
    expect(JSON.parse((await directObjects.get(download.headers.location as string)).body.toString()).serial).toBe(3);

    const forced = await pushState(directObjects, admin, ws, stateFile(1, crypto.randomUUID()), { force: true });
    expect(forced.body.data.attributes).toMatchObject({ status: 'finalized', serial: 1 });
    const restored = await pushState(directObjects, admin, ws, stateFile(4, lineage, outputs), { force: true });
    expect(restored.body.data.attributes.status).toBe('finalized');

    // terraform output: sensitive values hidden in the list, given by the output itself.
    const list = await tfe('GET', `workspaces/${ws}/current-state-version-outputs`, admin);
    const byName = Object.fromEntries(list.body.data.map((o: any) => [o.attributes.name, o]));
    expect(byName.greeting.attributes).toMatchObject({ value: 'hi', sensitive: false, 'detailed-type': 'string' });
    expect(byName.secret.attributes).toMatchObject({ value: null, sensitive: true });
    expect((await tfe('GET', `state-version-outputs/${byName.secret.id}`, admin)).body.data.attributes.value).toBe('s3cr3t');

    // The Jobs API lists the history, newest first.
    const wsId = ws.replace(/^ws-/, '');
    const history = await call('GET', `/api/v1/organization/${org}/workspace/${wsId}?include=history`, { token: reader });
    expect(history.status, history.text).toBe(200);
    expect(history.body.included.map((h: any) => h.attributes.serial)).toEqual([4, 1, 3]);
  });

  it('a configuration past its size limit is errored, and a run cannot use it', async () => {
    const created = await tfe('POST', `workspaces/${ws}/configuration-versions`, admin, { data: { type: 'configuration-versions', attributes: { speculative: true } } });
    expect(created.status).toBe(201);
    expect(new URL(created.body.data.attributes['upload-url']).searchParams.get('max')).toBe(String(MAX_CONFIGURATION_BYTES));
    await directObjects.put(created.body.data.attributes['upload-url'], Buffer.alloc(MAX_CONFIGURATION_BYTES + 1));
    const read = await tfe('GET', `configuration-versions/${created.body.data.id}`, admin);
    expect(read.body.data.attributes.status).toBe('errored');
    const run = await tfe('POST', 'runs', admin, {
      data: { type: 'runs', attributes: {}, relationships: { workspace: { data: { type: 'workspaces', id: ws } }, 'configuration-version': { data: { type: 'configuration-versions', id: created.body.data.id } } } },
    });
    expect(run.status, run.text).toBe(400);
  });
  it('a soft-deleted workspace is gone by id and by name, as in the Jobs API', async () => {
    const name = unique('gone');
    const created = await tfe('POST', `organizations/${orgName}/workspaces`, admin, { data: { type: 'workspaces', attributes: { name } } });
    expect(created.status, created.text).toBe(201);
    const id = created.body.data.id as string;
    const wsId = id.replace(/^ws-/, '');
    const deleted = await call('PATCH', `/api/v1/organization/${org}/workspace/${wsId}`, {
      token: admin,
      body: { data: { type: 'workspace', id: wsId, attributes: { deleted: true } } },
    });
    expect(deleted.status, deleted.text).toBe(204);
    expect((await tfe('GET', `workspaces/${id}`, admin)).status).toBe(404);
    expect((await tfe('GET', `organizations/${orgName}/workspaces/${name}`, admin)).status).toBe(404);
    expect((await tfe('POST', `workspaces/${id}/actions/lock`, admin, { data: { type: '', attributes: {} } })).status).toBe(404);
  });
  it('the current state file of a workspace id that cannot exist is 404, not a failed read (found by the hostile-input property test)', async () => {
    const res = await call('GET', `/tfstate/v1/organization/${org}/workspace/${'x'.repeat(3000)}/state/terraform.tfstate`, { token: admin });
    expect(res.status, res.text).toBe(404);
  });
});
