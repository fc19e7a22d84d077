/**
 * Who may call what (contract §6), table-driven over every route: each route has a rule, each rule
 * says which roles may, and every role is tried. A route added without a rule fails this test.
 */
import { SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as advance } from '../../functions/runner/advance';
import { handler as awaitApproval } from '../../functions/runner/await-approval';
import { useRunControl } from '../../shared/wiring';
import { ROUTES, type RouteDef } from '../../shared/routes';
import { adminToken, call, token, useTable } from '../helpers/api';
import { createJob, createTeam, createWorkspace } from '../helpers/fixtures';
import { noRuns, recordingRuns } from '../helpers/runs';
import { buildWorld, pathOf, sendsDocument, validBody, type World } from '../helpers/world';

useTable();

type Rule = 'public' | 'signature' | 'authenticated' | 'read' | 'admin' | 'manageWorkspace' | 'manageTemplate' | 'manageJob';
type Role = 'outsider' | 'reader' | 'workspaces' | 'templates' | 'jobs' | 'admin';

/** The rule of every route (contract §6). */
const RULES: Record<string, Rule> = {};
for (const route of ROUTES) {
  const key = `${route.method} ${route.path}`;
  const p = route.path;
  let rule: Rule | undefined;
  // TFE API (shared/tfe/permissions.ts): members read; workspaces are created and set up with
  // manageWorkspace; runs, state and locks take manageJob. The log URL's capability is its path.
  const tfeWorkspaceWrites = ['POST /api/v2/organizations/{organization}/workspaces', 'PATCH /api/v2/workspaces/{workspaceTfeId}', 'POST /api/v2/workspaces/{workspaceTfeId}/actions/force-unlock'];
  if (route.auth === 'none' && (p.startsWith('/api/v2/') || p.startsWith('/.well-known/') || p === '/api/terraform/motd')) rule = 'public';
  else if (p === '/api/v2/account/details') rule = 'authenticated';
  else if (p.startsWith('/api/v2/')) rule = route.method === 'GET' ? 'read' : tfeWorkspaceWrites.includes(key) ? 'manageWorkspace' : 'manageJob';
  else if (p === '/healthz' || p.endsWith('/index.json')) rule = 'public';
  // Answers what the caller may see (an outsider: nothing), or nothing at all.
  else if (p === '/graphql/api/v1' || (p.startsWith('/access-token/v1/teams') && !p.includes('{orgId}')) || p === '/api/v1/action' || p === '/api/v1/federated')
    rule = 'authenticated';
  // Health, the API description and its reference page: public, and they read no data.
  else if (route.auth === 'none' && !p.startsWith('/webhook/')) rule = 'public';
  else if (p.startsWith('/webhook/')) rule = 'signature';
  else if (p === '/api/v1/organization' && route.method === 'GET') rule = 'authenticated';
  // Atomic operations: each op needs what its href's route needs (request() adds a workspace).
  else if (p === '/api/v1/operations') rule = 'manageWorkspace';
  else if (route.method === 'GET') rule = 'read';
  else if (/^\/api\/v1\/organization(\/\{orgId\})?$/.test(p) || /\/team/.test(p)) rule = 'admin';
  else if (p.endsWith('/workspace/{workspaceId}/actions/force-unlock')) rule = 'manageWorkspace';
  else if (/\/job/.test(p)) rule = 'manageJob';
  else if (/\/template/.test(p)) rule = 'manageTemplate';
  else if (/\/workspace/.test(p)) rule = 'manageWorkspace';
  if (rule) RULES[key] = rule;
}

const ALLOWED: Record<Rule, Role[]> = {
  public: ['outsider', 'reader', 'workspaces', 'templates', 'jobs', 'admin'],
  signature: [],
  authenticated: ['outsider', 'reader', 'workspaces', 'templates', 'jobs', 'admin'],
  read: ['reader', 'workspaces', 'templates', 'jobs', 'admin'],
  admin: ['admin'],
  manageWorkspace: ['workspaces', 'admin'],
  manageTemplate: ['templates', 'admin'],
  manageJob: ['jobs', 'admin'],
};

let world: World;
const tokens = {} as Record<Role, string>;
let approver: string;

beforeAll(async () => {
  useRunControl(recordingRuns('ok'));
  tokens.admin = await adminToken();
  world = await buildWorld(tokens.admin);
  await createTeam(tokens.admin, world.org, 'READERS');
  await createTeam(tokens.admin, world.org, 'WS_TEAM', { manageWorkspace: true });
  await createTeam(tokens.admin, world.org, 'TPL_TEAM', { manageTemplate: true });
  await createTeam(tokens.admin, world.org, 'JOB_TEAM', { manageJob: true });
  await createTeam(tokens.admin, world.org, 'APPROVERS');
  tokens.outsider = await token('outsider@example.com', ['SOMEONE_ELSE']);
  tokens.reader = await token('reader@example.com', ['READERS']);
  tokens.workspaces = await token('ws@example.com', ['WS_TEAM']);
  tokens.templates = await token('tpl@example.com', ['TPL_TEAM']);
  tokens.jobs = await token('jobs@example.com', ['JOB_TEAM']);
  approver = await token('approver@example.com', ['APPROVERS']);
});
afterAll(() => useRunControl(noRuns));

const ATOMIC = 'application/vnd.api+json;ext="https://jsonapi.org/ext/atomic"';

function request(route: RouteDef, tok?: string) {
  if (route.path === '/graphql/api/v1')
    return call('POST', route.path, { token: tok, body: { query: '{ organization { edges { node { id } } } }' }, contentType: 'application/json' });
  if (route.path.includes('/relationships/')) return call(route.method, pathOf(route, world), { token: tok, body: { data: null } });
  if (route.path === '/api/v1/operations') {
    const op = { op: 'add', href: `/organization/${world.org}/workspace`, data: { type: 'workspace', attributes: { name: `ops-${crypto.randomUUID()}`, source: 'https://example.com/r.git' } } };
    return call('POST', route.path, { token: tok, rawBody: JSON.stringify({ 'atomic:operations': [op] }), contentType: ATOMIC, headers: { accept: ATOMIC } });
  }
  const body = sendsDocument(route) ? { data: validBody(route, world) } : undefined;
  return call(route.method, pathOf(route, world), { token: tok, body });
}

/** Reads first, then creations and changes, deletions last and children before parents. */
const ORDER = { GET: 0, POST: 1, PATCH: 2, DELETE: 3 };
const ordered = [...ROUTES].sort((a, b) => ORDER[a.method] - ORDER[b.method] || (a.method === 'DELETE' ? b.path.length - a.path.length : 0));

describe('every route has a permission rule', () => {
  it.each(ROUTES.map((r) => `${r.method} ${r.path}`))('%s', (key) => {
    expect(RULES[key], `add ${key} to the permission rules`).toBeDefined();
  });
});

describe('permissions by role', () => {
  for (const route of ordered) {
    const key = `${route.method} ${route.path}`;
    it(key, async () => {
      const rule = RULES[key] as Rule;
      if (rule === 'signature') {
        // No bearer token is involved: an unsigned delivery is refused whoever sends it.
        for (const tok of Object.values(tokens))
          expect((await call('POST', pathOf(route, world), { token: tok, body: {}, headers: { 'x-github-event': 'push' } })).status).toBe(401);
        return;
      }
      if (rule !== 'public') expect((await request(route)).status, `${key} without a token`).toBe(401);
      const allowed = ALLOWED[rule];
      for (const role of (Object.keys(tokens) as Role[]).filter((r) => !allowed.includes(r))) {
        const res = await request(route, tokens[role]);
        const outsiderSees = route.path === '/api/v1/organization' ? 403 : 404;
        expect(res.status, `${key} as ${role}: ${res.text.slice(0, 200)}`).toBe(role === 'outsider' ? outsiderSees : 403);
        expect(res.body.errors[0].status).toBe(String(res.status));
      }
      // The least privileged allowed role gets through (a state conflict, 409, is not a refusal).
      const role = allowed.find((r) => r !== 'admin' && r !== 'outsider') ?? allowed[0];
      if (!role) return;
      const res = await request(route, tokens[role]);
      // The world's workspace has no state: a member is told so (an outsider is told the workspace does not exist).
      if (route.path.endsWith('/state/terraform.tfstate')) {
        expect(res.body.errors[0].detail, `${key} as ${role}`).toBe('the workspace has no state yet');
        return;
      }
      expect([200, 201, 202, 204, 302, 409], `${key} as ${role}: ${res.status} ${res.text.slice(0, 200)}`).toContain(res.status);
    });
  }
});

describe('approvals and cancels', () => {
  it('approve/reject: only the approval team (or an admin); cancel: manageJob or the approval team', async () => {
    const waiting = async () => {
      const ws = await createWorkspace(tokens.admin, world.org);
      const id = await createJob(tokens.admin, world.org, ws, {
        tcl: Buffer.from('flow:\n  - type: approval\n    step: 1\n    team: APPROVERS\n').toString('base64'),
      });
      const state = await advance({ organizationId: world.org, jobId: Number(id) });
      await awaitApproval({ token: `t-${id}`, organizationId: world.org, jobId: Number(id), stepId: state.step?.id as string, team: 'APPROVERS' });
      return id;
    };
    const patch = (id: string, status: string, tok: string) =>
      call('PATCH', `/api/v1/organization/${world.org}/job/${id}`, { token: tok, body: { data: { type: 'job', id, attributes: { status } } } });
    const id = await waiting();
    for (const status of ['approved', 'rejected']) {
      expect((await patch(id, status, tokens.outsider)).status).toBe(404);
      expect((await patch(id, status, tokens.reader)).status).toBe(403);
      expect((await patch(id, status, tokens.jobs)).status).toBe(403);
      expect((await patch(id, status, tokens.workspaces)).status).toBe(403);
    }
    expect((await patch(id, 'cancelled', tokens.reader)).status).toBe(403);
    expect((await patch(id, 'approved', approver)).status).toBe(204);
    expect((await patch(await waiting(), 'rejected', tokens.admin)).status).toBe(204);
    expect((await patch(await waiting(), 'cancelled', approver)).status).toBe(204);
    expect((await patch(await waiting(), 'cancelled', tokens.jobs)).status).toBe(204);
  });
});

describe('forged tokens on every bearer route', () => {
  const forgeries: [string, () => Promise<string>][] = [
    ['alg none', async () => new UnsecuredJWT({ email: 'x@x.io', groups: ['TERRAKUBE_ADMIN'] }).setIssuer('Terrakube').encode()],
    [
      'a guessed key',
      async () =>
        new SignJWT({ email: 'x@x.io', groups: ['TERRAKUBE_ADMIN'] })
          .setProtectedHeader({ alg: 'HS256' })
          .setIssuer('Terrakube')
          .sign(new TextEncoder().encode('secret')),
    ],
    [
      'expired',
      async () =>
        new SignJWT({ email: 'x@x.io', groups: ['TERRAKUBE_ADMIN'] })
          .setProtectedHeader({ alg: 'HS256' })
          .setIssuer('Terrakube')
          .setExpirationTime(1)
          .sign(new TextEncoder().encode(process.env.TERRAKUBE_PAT_SECRET as string)),
    ],
    [
      'not yet valid',
      async () =>
        new SignJWT({ email: 'x@x.io', groups: ['TERRAKUBE_ADMIN'] })
          .setProtectedHeader({ alg: 'HS256' })
          .setIssuer('Terrakube')
          .setNotBefore('2h')
          .sign(new TextEncoder().encode(process.env.TERRAKUBE_PAT_SECRET as string)),
    ],
    [
      'another issuer',
      async () =>
        new SignJWT({ email: 'x@x.io', groups: ['TERRAKUBE_ADMIN'] })
          .setProtectedHeader({ alg: 'HS256' })
          .setIssuer('Evil')
          .sign(new TextEncoder().encode(process.env.TERRAKUBE_PAT_SECRET as string)),
    ],
    [
      'no groups',
      async () =>
        new SignJWT({ email: 'x@x.io' })
          .setProtectedHeader({ alg: 'HS256' })
          .setIssuer('Terrakube')
          .sign(new TextEncoder().encode(process.env.TERRAKUBE_PAT_SECRET as string)),
    ],
  ];
  it.each(forgeries)('%s → 401 everywhere', async (_name, make) => {
    const forged = await make();
    for (const route of ROUTES.filter((r) => r.auth === 'bearer')) {
      const res = await request(route, forged);
      expect(res.status, `${route.method} ${route.path}`).toBe(401);
      expect(res.body.errors[0].status).toBe('401');
    }
  });
});
