/**
 * The REST calls the Terrakube UI makes besides the JSON:API resources (terrakube-io/terrakube@c073ede,
 * ui/src/...): the permissions endpoints, the empty collections of features not provided, the IaC
 * version lists, and CORS.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer } from '../../local/server';
import { adminToken, call, token, useTable } from '../helpers/api';
import { createJob, createOrganization, createTeam, createWorkspace } from '../helpers/fixtures';

useTable();

let admin: string;
let dev: string;
let outsider: string;
let org: string;
let ws: string;
beforeAll(async () => {
  admin = await adminToken();
  org = await createOrganization(admin);
  await createTeam(admin, org, 'UI_PERM_DEVS', { manageWorkspace: true, manageJob: true });
  dev = await token('dev@example.com', ['UI_PERM_DEVS']);
  outsider = await token('out@example.com', ['NOBODY']);
  ws = await createWorkspace(admin, org);
});

const FLAGS = [
  'manageState',
  'manageWorkspace',
  'manageModule',
  'manageProvider',
  'manageVcs',
  'manageTemplate',
  'manageCollection',
  'manageJob',
  'planJob',
  'approveJob',
  'managePermission',
];

describe('permissions for the UI', () => {
  it("answers 202 with the 11 flags Terrakube returns: the OR over the caller's teams, admins all true", async () => {
    // modules/permissions/useOrgPermissions.ts:56-79, domain/Workspaces/Details.tsx:406-438
    const mine = await call('GET', `/access-token/v1/teams/permissions/organization/${org}`, { token: dev });
    expect(mine.status).toBe(202);
    expect(Object.keys(mine.body).sort()).toEqual([...FLAGS].sort());
    expect(mine.body).toMatchObject({
      manageWorkspace: true,
      manageJob: true,
      planJob: true,
      approveJob: true,
      manageTemplate: false,
      managePermission: false,
    });
    const onWorkspace = await call('GET', `/access-token/v1/teams/permissions/organization/${org}/workspace/${ws}`, { token: dev });
    expect(onWorkspace.body).toEqual(mine.body);
    const all = await call('GET', `/access-token/v1/teams/permissions/organization/${org}/workspace/${ws}`, { token: admin });
    expect(Object.values(all.body).every((v) => v === true)).toBe(true);
  });

  it('is a 404, never a 401, for outsiders and unknown workspaces', async () => {
    expect((await call('GET', `/access-token/v1/teams/permissions/organization/${org}`, { token: outsider })).status).toBe(404);
    const unknown = await call('GET', `/access-token/v1/teams/permissions/organization/${org}/workspace/${crypto.randomUUID()}`, { token: dev });
    expect(unknown.status).toBe(404);
    // domain/Settings/EditTeam.tsx:62-94
    expect((await call('GET', '/access-token/v1/teams/current-teams', { token: dev })).body).toEqual({ groups: ['UI_PERM_DEVS'] });
    expect((await call('GET', '/access-token/v1/teams', { token: dev })).body).toEqual([]);
  });
});

describe('features the service does not provide', () => {
  it('are empty read-only collections for members, 404 for outsiders, and writes are a 405 naming the feature', async () => {
    const reads = [
      `/api/v1/organization/${org}/workspace/${ws}/workspaceTag`, // domain/Workspaces/Tags.tsx:122-145
      `/api/v1/organization/${org}/tag`,
      `/api/v1/organization/${org}/globalvar`, // workspaceDataUtils.ts:92-115
      `/api/v1/organization/${org}/vcs`,
      `/api/v1/organization/${org}/ssh`,
      `/api/v1/organization/${org}/agent`,
      `/api/v1/organization/${org}/collection`,
      "/api/v1/action?filter[action]=active==true;type=in=('Workspace/Action')", // domain/Workspaces/Details.tsx:341-352
      '/api/v1/federated',
    ];
    for (const path of reads) {
      const res = await call('GET', path, { token: dev });
      expect(res.status, path).toBe(200);
      expect(res.body.data, path).toEqual([]);
    }
    expect((await call('GET', `/api/v1/organization/${org}/globalvar`, { token: outsider })).status).toBe(404);
    const write = await call('POST', `/api/v1/organization/${org}/workspace/${ws}/workspaceTag`, {
      token: dev,
      body: { data: { type: 'workspacetag', attributes: { tagId: 'x' } } },
    });
    expect(write.status).toBe(405);
    expect(write.body.errors[0].detail).toContain('workspace tags are not provided');
    // domain/Notifications/NotificationDeliveryHistory.tsx:43-50
    expect((await call('GET', `/notification/v1/workspace/${ws}/deliveries?limit=10`, { token: dev })).body).toEqual([]);
  });

  it('lists IaC versions without a token, in the shapes the UI reads', async () => {
    // domain/Workspaces/Settings/General.tsx:80-86
    const terraform = await call('GET', '/terraform/index.json');
    expect(terraform.status).toBe(200);
    expect(Object.keys(terraform.body.versions)).toContain('1.11.0');
    const tofu = await call('GET', '/tofu/index.json');
    expect(tofu.body[0].tag_name).toMatch(/^v\d/);
  });
});

describe('job context', () => {
  it("finds the job among the caller's organizations (the path has none) and answers {} while nothing is recorded", async () => {
    // domain/Jobs/Details.tsx:522-544
    const job = await createJob(admin, org, ws);
    const res = await call('GET', `/context/v1/${job}`, { token: dev });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({});
    expect((await call('GET', `/context/v1/${job}`, { token: outsider })).status).toBe(404);
    expect((await call('GET', '/context/v1/9999999', { token: dev })).status).toBe(404);
    expect((await call('GET', '/context/v1/abc', { token: dev })).status).toBe(404);
  });
});

describe('sparse fieldsets of included types', () => {
  it('keeps only the named fields of each included type, beside the primary one', async () => {
    await createJob(admin, org, ws);
    const res = await call('GET', `/api/v1/organization/${org}/workspace/${ws}?include=job,organization&fields[workspace]=name,job&fields[job]=status&fields[organization]=name`, { token: dev });
    expect(res.status, res.text).toBe(200);
    expect(Object.keys(res.body.data.attributes)).toEqual(['name']);
    expect(Object.keys(res.body.data.relationships)).toEqual(['job']);
    const jobs = res.body.included.filter((r: any) => r.type === 'job');
    expect(jobs.length).toBeGreaterThan(0);
    for (const j of jobs) expect(Object.keys(j.attributes)).toEqual(['status']);
    expect(Object.keys(res.body.included.find((r: any) => r.type === 'organization').attributes)).toEqual(['name']);
    const job = await call('GET', `/api/v1/organization/${org}/job/${jobs[0].id}?include=step,workspace&fields[job]=status,step&fields[workspace]=source`, { token: dev });
    expect(job.status, job.text).toBe(200);
    expect(Object.keys(job.body.data.attributes)).toEqual(['status']);
    expect(Object.keys(job.body.data.relationships)).toEqual(['step']);
    expect(Object.keys(job.body.included.find((r: any) => r.type === 'workspace').attributes)).toEqual(['source']);
  });
});

describe('CORS on the local server (TERRAKUBE_CORS_ORIGINS)', () => {
  const UI = 'http://localhost:3000';
  let server: Awaited<ReturnType<typeof startHttpServer>>;
  beforeAll(async () => {
    server = await startHttpServer(0, '127.0.0.1', { corsOrigins: [UI] });
  });
  afterAll(() => server.close());

  it('answers the preflight the UI sends before a PATCH, and marks the real answer for its origin only', async () => {
    const pre = await fetch(`${server.url}/api/v1/organization/${org}/workspace/${ws}`, {
      method: 'OPTIONS',
      headers: { origin: UI, 'access-control-request-method': 'PATCH', 'access-control-request-headers': 'authorization,content-type' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe(UI);
    expect(pre.headers.get('access-control-allow-credentials')).toBe('true');
    expect(pre.headers.get('access-control-allow-methods')).toMatch(/PATCH/);
    expect(pre.headers.get('access-control-allow-methods')).toMatch(/DELETE/);
    expect(pre.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
    expect(pre.headers.get('access-control-allow-headers')).toMatch(/Content-Type/);

    const real = await fetch(`${server.url}/graphql/api/v1`, {
      method: 'POST',
      headers: { origin: UI, authorization: `Bearer ${dev}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ organization { edges { node { id } } } }' }),
    });
    expect(real.status).toBe(200);
    expect(real.headers.get('access-control-allow-origin')).toBe(UI);

    const stranger = await fetch(`${server.url}/healthz`, { headers: { origin: 'https://evil.example.com' } });
    expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
    const strangerPre = await fetch(`${server.url}/healthz`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example.com', 'access-control-request-method': 'GET' },
    });
    expect(strangerPre.headers.get('access-control-allow-origin')).toBeNull();
  });
});
