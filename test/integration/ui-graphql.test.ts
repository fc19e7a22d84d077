/**
 * The Terrakube UI's GraphQL queries, verbatim (terrakube-io/terrakube@c073ede, ui/src/...), replayed
 * against the API: Elide's dialect, the caller's organizations only, lastJobStatus from the jobs.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { adminToken, call, token, useTable } from '../helpers/api';
import { createJob, createOrganization, createTeam, createWorkspace } from '../helpers/fixtures';

useTable();

const gql = (tok: string, query: string, extra: Record<string, unknown> = {}) =>
  call('POST', '/graphql/api/v1', { token: tok, body: { query, ...extra }, contentType: 'application/json' });

// modules/organizations/organizationService.ts:21-68
const Q1 = `{ organization { edges { node { id name description executionMode icon
    workspace { edges { node { id lastJobStatus } } } } } } }`;
// modules/organizations/organizationService.ts:70-98
const Q2 = (org: string) => `{ organization(ids: ["${org}"]) { edges { node { id name } } } }`;
// modules/workspaces/workspaceService.ts:7-107
const Q3 = (org: string) => `{ organization(ids: ["${org}"]) { edges { node { id name
    workspace(sort: "name") { edges { node {
      id name description source branch terraformVersion iacType lastJobStatus lastJobDate locked
      workspaceTag { edges { node { id tagId } } }
      project { edges { node { id name } } } } } } } } } }`;
// modules/organizations/organizationService.ts:100-137
const Q4 = (org: string) => `{ organization(ids: ["${org}"]) { edges { node { tag { edges { node { id name } } } } } } }`;
// modules/projects/projectService.ts:17-63
const Q5 = (org: string) => `{ organization(ids: ["${org}"]) { edges { node { project { edges { node { id name description } } } } } } }`;
// modules/workspaces/workspaceAccessService.ts:22-79
const Q6 = (ws: string) => `{ workspace(ids: ["${ws}"]) { edges { node { access { edges { node {
    id name role manageWorkspace manageState planJob approveJob } } } } } } }`;
// domain/Notifications/NotificationConfigurationList.tsx:24-92
const Q7 = (org: string) => `{ organization(ids: ["${org}"]) { edges { node { notificationConfiguration { edges { node {
    id name description channelType destinationUrl active workspace { edges { node { id } } } } } } } } } }`;

let admin: string;
let member: string;
let outsider: string;
let org: string;
let other: string;
let wsB: string;
let wsA: string;
beforeAll(async () => {
  admin = await adminToken();
  [org, other] = await Promise.all([createOrganization(admin), createOrganization(admin)]);
  await createTeam(admin, org, 'UI_DEVS', { manageJob: true });
  member = await token('dev@example.com', ['UI_DEVS']);
  outsider = await token('out@example.com', ['NOBODY']);
  wsB = await createWorkspace(admin, org, { name: 'b-network' });
  wsA = await createWorkspace(admin, org, { name: 'a-compute' });
  await createWorkspace(admin, other, { name: 'elsewhere' });
  await createJob(admin, org, wsB);
});

describe('GraphQL for the Terrakube UI', () => {
  it("Q1 lists only the caller's organizations, with their workspaces' last job status", async () => {
    const res = await gql(member, Q1);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body.errors).toBeUndefined();
    const orgs = res.body.data.organization.edges.map((e: any) => e.node);
    expect(orgs.map((o: any) => o.id)).toEqual([org]);
    expect(orgs[0]).toMatchObject({ executionMode: 'remote', icon: null });
    const statuses = Object.fromEntries(orgs[0].workspace.edges.map((e: any) => [e.node.id, e.node.lastJobStatus]));
    expect(statuses[wsA]).toBeNull();
    expect(typeof statuses[wsB]).toBe('string');
  });

  it('Q2 and Q3 read one organization and its workspaces sorted by name, with empty tag and project connections', async () => {
    expect((await gql(member, Q2(org))).body.data.organization.edges[0].node).toMatchObject({ id: org });
    const res = await gql(member, Q3(org));
    expect(res.body.errors).toBeUndefined();
    const node = res.body.data.organization.edges[0].node;
    const workspaces = node.workspace.edges.map((e: any) => e.node);
    expect(workspaces.map((w: any) => w.name)).toEqual(['a-compute', 'b-network']);
    expect(workspaces[1]).toMatchObject({ id: wsB, iacType: 'terraform', locked: false, source: 'https://github.com/example/infra.git' });
    expect(Number.isNaN(Date.parse(workspaces[1].lastJobDate))).toBe(false);
    expect(workspaces[0]).toMatchObject({ lastJobDate: null, workspaceTag: { edges: [] }, project: { edges: [] } });
  });

  it('Q4–Q7 answer empty connections for what the service does not model', async () => {
    for (const q of [Q4(org), Q5(org), Q7(org)]) {
      const res = await gql(member, q);
      expect(res.body.errors, q).toBeUndefined();
      const node = res.body.data.organization.edges[0].node;
      expect(Object.values(node)).toEqual([{ edges: [] }]);
    }
    const access = await gql(member, Q6(wsA));
    expect(access.body.data.workspace.edges[0].node.access.edges).toEqual([]);
  });

  it('shows an outsider nothing, not even by id', async () => {
    expect((await gql(outsider, Q1)).body.data.organization.edges).toEqual([]);
    expect((await gql(outsider, Q2(org))).body.data.organization.edges).toEqual([]);
    expect((await gql(outsider, Q6(wsA))).body.data.workspace.edges).toEqual([]);
    expect((await gql(member, Q2(other))).body.data.organization.edges).toEqual([]);
  });

  it("speaks Elide's arguments: ids, filter (RSQL), sort, first/after with pageInfo and totalCount; jobs by the search planner", async () => {
    const q = `{ organization(ids: ["${org}"]) { edges { node {
      workspace(filter: "name==a*", sort: "-name") { totalCount edges { node { name } } }
      paged: workspace(sort: "name", first: 1, after: "1") { pageInfo { hasNextPage hasPreviousPage startCursor endCursor totalRecords } edges { node { name } } }
      job(filter: "status=in=(pending,queue,running,waitingApproval,completed,failed)") { edges { node { id status workspace { edges { node { id } } } } } }
    } } } }`;
    const res = await gql(member, q);
    expect(res.body.errors).toBeUndefined();
    const node = res.body.data.organization.edges[0].node;
    expect(node.workspace).toEqual({ totalCount: 1, edges: [{ node: { name: 'a-compute' } }] });
    expect(node.paged).toEqual({
      pageInfo: { hasNextPage: false, hasPreviousPage: true, startCursor: '1', endCursor: '2', totalRecords: 2 },
      edges: [{ node: { name: 'b-network' } }],
    });
    expect(node.job.edges.map((e: any) => e.node.workspace.edges[0].node.id)).toEqual([wsB]);
  });

  it("never returns a sensitive variable's value", async () => {
    const body = { data: { type: 'variable', attributes: { key: 'token', value: 's3cret', category: 'ENV', sensitive: true } } };
    expect((await call('POST', `/api/v1/organization/${org}/workspace/${wsA}/variable`, { token: admin, body })).status).toBe(201);
    const res = await gql(admin, `{ workspace(ids: ["${wsA}"]) { edges { node { variable { edges { node { key value sensitive } } } } } } }`);
    expect(res.body.data.workspace.edges[0].node.variable.edges).toEqual([{ node: { key: 'token', value: null, sensitive: true } }]);
    expect(res.text).not.toContain('s3cret');
  });

  it('answers bad queries as Elide does: 200 with errors; a body without a query is a 400; no mutations; depth is bounded', async () => {
    const unknown = await gql(member, '{ organization { edges { node { nope } } } }');
    expect(unknown.status).toBe(200);
    expect(unknown.body.errors[0].message).toContain('nope');
    expect((await gql(member, '{ organization(filter: "name=bogus=1") { edges { node { id } } } }')).body.errors[0].message).toMatch(/filter/);
    expect((await gql(member, 'mutation { organization { edges { node { id } } } }')).body.errors.length).toBeGreaterThan(0);
    const deep = `{ organization { edges { node { workspace { edges { node { organization { edges { node { workspace { edges { node { organization { edges { node { id } } } } } } } } } } } } } } } }`;
    expect((await gql(member, deep)).body.errors[0].message).toMatch(/deep/);
    const missing = await call('POST', '/graphql/api/v1', { token: member, body: { variables: {} }, contentType: 'application/json' });
    expect(missing.status).toBe(400);
    expect((await call('POST', '/graphql/api/v1', { token: 'not-a-token', body: { query: Q1 }, contentType: 'application/json' })).status).toBe(401);
  });
});
