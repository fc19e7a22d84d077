/** Webhooks and their event rules as JSON:API resources: CRUD, permissions, the secret's life, validation. */
import { beforeAll, describe, expect, it } from 'vitest';
import { roundTrips } from '../../shared/store/client';
import { keys } from '../../shared/store/keys';
import { getItem } from '../../shared/store/table';
import { adminToken, call, token, useTable } from '../helpers/api';
import { createOrganization, createTeam, createWorkspace, doc, templateId } from '../helpers/fixtures';
import { createRule, createWebhook, deliver, githubExample, webhooksPath } from '../helpers/webhooks';

useTable();
let admin: string;
let org: string;
let ws: string;
let manager: string;
let reader: string;
let outsider: string;
let plan: string;
beforeAll(async () => {
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

const hooks = () => webhooksPath(org, ws);

describe('webhooks', () => {
  it('creates a webhook with a server-made secret shown only in the create response', async () => {
    const res = await call('POST', hooks(), { token: manager, body: doc('webhook', { description: 'GitHub infra repo' }) });
    expect(res.status).toBe(201);
    const { id, attributes } = res.body.data;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.location).toBe(`http://localhost:8080${hooks()}/${id}`);
    expect(attributes).toMatchObject({ description: 'GitHub infra repo', url: `http://localhost:8080/webhook/v1/${id}`, createdBy: 'manager@example.com' });
    expect(Buffer.from(attributes.secret, 'base64url').length).toBeGreaterThanOrEqual(32);
    expect(res.body.data.relationships.workspace.data).toEqual({ type: 'workspace', id: ws });

    const got = await call('GET', `${hooks()}/${id}`, { token: reader });
    expect(got.status).toBe(200);
    expect(got.body.data.attributes.secret).toBeNull();
    const list = await call('GET', hooks(), { token: reader });
    expect(list.body.data.find((w: any) => w.id === id).attributes.secret).toBeNull();
    expect(list.text).not.toContain(attributes.secret);
    // At rest the secret is sealed, never stored as given.
    const item = await getItem(keys.webhook(id));
    expect(JSON.stringify(item)).not.toContain(attributes.secret);
    expect(item?.sealedSecret).toMatch(/^local:v1:/);
  });

  it('rotates the secret with PATCH rotateSecret (200 with the new secret, once); other changes answer 204', async () => {
    const { id, secret } = await createWebhook(manager, org, ws);
    const patch = (attributes: object) => call('PATCH', `${hooks()}/${id}`, { token: manager, body: { data: { type: 'webhook', id, attributes } } });
    expect((await patch({ description: 'renamed' })).status).toBe(204);
    const rotated = await patch({ rotateSecret: true });
    expect(rotated.status).toBe(200);
    const fresh = rotated.body.data.attributes.secret as string;
    expect(fresh).toMatch(/^[A-Za-z0-9_-]{43,}$/);
    expect(fresh).not.toBe(secret);
    expect(rotated.body.data.attributes.description).toBe('renamed');
    expect((await call('GET', `${hooks()}/${id}`, { token: manager })).body.data.attributes.secret).toBeNull();
    // The old secret no longer signs; the new one does.
    const ping = githubExample('ping');
    expect((await deliver(id, 'github', 'ping', ping, secret)).status).toBe(401);
    expect((await deliver(id, 'github', 'ping', ping, fresh)).status).toBe(200);
  });

  it.each([
    ['an unknown attribute', { colour: 'blue' }, 400, '/data/attributes/colour'],
    ['the read-only secret', { secret: 'mine' }, 400, '/data/attributes/secret'],
    ['the read-only url', { url: 'https://x' }, 400, '/data/attributes/url'],
    ['a non-string description', { description: 5 }, 400, '/data/attributes/description'],
  ])('refuses %s', async (_name, attributes, status, pointer) => {
    const res = await call('POST', hooks(), { token: manager, body: doc('webhook', attributes) });
    expect(res.status).toBe(status);
    expect(res.body.errors[0].source.pointer).toBe(pointer);
  });

  it('needs manageWorkspace to write, membership to read; outsiders get 404', async () => {
    const { id } = await createWebhook(manager, org, ws);
    expect((await call('POST', hooks(), { token: reader, body: doc('webhook', {}) })).status).toBe(403);
    expect((await call('DELETE', `${hooks()}/${id}`, { token: reader })).status).toBe(403);
    expect((await call('GET', `${hooks()}/${id}`, { token: reader })).status).toBe(200);
    for (const [method, path] of [['GET', hooks()], ['GET', `${hooks()}/${id}`], ['DELETE', `${hooks()}/${id}`]] as const) {
      expect((await call(method, path, { token: outsider })).status, `${method} ${path}`).toBe(404);
    }
    expect((await call('POST', hooks(), { token: outsider, body: doc('webhook', {}) })).status).toBe(404);
  });

  it('answers 404 for unknown ids and for a webhook reached through another workspace', async () => {
    const { id } = await createWebhook(manager, org, ws);
    const other = await createWorkspace(admin, org);
    expect((await call('GET', `${webhooksPath(org, other)}/${id}`, { token: manager })).status).toBe(404);
    expect((await call('GET', `${hooks()}/${crypto.randomUUID()}`, { token: manager })).status).toBe(404);
    expect((await call('GET', `${hooks()}/not-a-uuid`, { token: manager })).status).toBe(404);
    expect((await call('GET', webhooksPath(org, crypto.randomUUID()), { token: manager })).status).toBe(404);
  });

  it('deletes a webhook with its rules; deleting the workspace deletes its webhooks', async () => {
    const { id } = await createWebhook(manager, org, ws);
    const rule = await createRule(manager, org, ws, id, { event: 'PUSH', branch: 'main', templateId: plan });
    expect((await call('DELETE', `${hooks()}/${id}`, { token: manager })).status).toBe(204);
    expect((await call('GET', `${hooks()}/${id}`, { token: manager })).status).toBe(404);
    expect(await getItem(keys.webhookEvent(id, rule))).toBeUndefined();
    expect((await call('DELETE', `${hooks()}/${id}`, { token: manager })).status).toBe(404);

    const doomed = await createWorkspace(admin, org);
    const hook = await createWebhook(manager, org, doomed);
    const doomedRule = await createRule(manager, org, doomed, hook.id, { event: 'PUSH', branch: '.*', templateId: plan });
    expect((await call('DELETE', `/api/v1/organization/${org}/workspace/${doomed}`, { token: manager })).status).toBe(204);
    expect(await getItem(keys.webhook(hook.id))).toBeUndefined();
    expect(await getItem(keys.webhookEvent(hook.id, doomedRule))).toBeUndefined();
    expect((await deliver(hook.id, 'github', 'ping', githubExample('ping'), hook.secret)).status).toBe(404);
  });

  it('reads a webhook in one BatchGet', async () => {
    const { id } = await createWebhook(manager, org, ws);
    roundTrips.reset();
    expect((await call('GET', `${hooks()}/${id}`, { token: manager })).status).toBe(200);
    expect(roundTrips.total).toBe(1);
  });
});

describe('webhook event rules', () => {
  let hook: string;
  beforeAll(async () => {
    hook = (await createWebhook(manager, org, ws)).id;
  });
  const rules = () => `${hooks()}/${hook}/events`;
  const post = (attributes: Record<string, unknown>, tok = manager) => call('POST', rules(), { token: tok, body: doc('webhook_event', attributes) });

  it('creates, reads, lists (by priority), updates and deletes rules', async () => {
    const res = await post({ event: 'PUSH', branch: 'main,release/.*', path: '.*\\.tf', templateId: plan, priority: 5 });
    expect(res.status).toBe(201);
    const id = res.body.data.id;
    expect(res.headers.location).toBe(`http://localhost:8080${rules()}/${id}`);
    expect(res.body.data).toMatchObject({
      type: 'webhook_event',
      attributes: { event: 'PUSH', branch: 'main,release/.*', path: '.*\\.tf', templateId: plan, priority: 5 },
      relationships: { webhook: { data: { type: 'webhook', id: hook } } },
    });
    const first = await post({ event: 'RELEASE', branch: 'v.*', templateId: plan, priority: 1 });
    expect(first.body.data.attributes).toMatchObject({ path: null, priority: 1 });
    const list = await call('GET', rules(), { token: reader });
    expect(list.body.data.map((r: any) => r.id)).toEqual([first.body.data.id, id]);

    const patch = await call('PATCH', `${rules()}/${id}`, { token: manager, body: { data: { type: 'webhook_event', id, attributes: { priority: 0, path: '' } } } });
    expect(patch.status).toBe(204);
    const got = await call('GET', `${rules()}/${id}`, { token: reader });
    expect(got.body.data.attributes).toMatchObject({ priority: 0, path: null, branch: 'main,release/.*' });
    expect((await call('DELETE', `${rules()}/${id}`, { token: manager })).status).toBe(204);
    expect((await call('GET', `${rules()}/${id}`, { token: reader })).status).toBe(404);
  });

  it.each([
    ['an unknown event', { event: 'TAG', branch: 'main' }, '/data/attributes/event'],
    ['a missing branch', { event: 'PUSH' }, '/data/attributes/branch'],
    ['a branch regex with a syntax error', { event: 'PUSH', branch: 'main,feat(ure' }, '/data/attributes/branch', /'feat\(ure': is not a valid regular expression/],
    ['a nested quantifier (a+)+', { event: 'PUSH', branch: '(a+)+' }, '/data/attributes/branch', /nested quantifiers/],
    ['a nested quantifier (a*)*', { event: 'PUSH', branch: 'main', path: '(a*)*b' }, '/data/attributes/path', /nested quantifiers/],
    ['a repeated greedy group (.*a){12}', { event: 'PUSH', branch: '(.*a){12}' }, '/data/attributes/branch', /repeating a group/],
    ['an overlapping alternation under a quantifier', { event: 'PUSH', branch: '(a|aa)+' }, '/data/attributes/branch', /nested quantifiers/],
    ['four greedy wildcards in a row', { event: 'PUSH', branch: '.*a.*b.*c.*d' }, '/data/attributes/branch', /too long to match/],
    ['a backreference', { event: 'PUSH', branch: '(a)\\1' }, '/data/attributes/branch', /backreferences/],
    ['a pattern over 512 characters', { event: 'PUSH', branch: 'a'.repeat(513) }, '/data/attributes/branch', /longer than 512/],
    ['a fractional priority', { event: 'PUSH', branch: 'main', priority: 1.5 }, '/data/attributes/priority'],
    ['a template id that is not a UUID', { event: 'PUSH', branch: 'main', templateId: 'plan' }, '/data/attributes/templateId'],
    ['an unknown attribute', { event: 'PUSH', branch: 'main', colour: 'blue' }, '/data/attributes/colour'],
  ] as [string, Record<string, unknown>, string, RegExp?][])('refuses %s (400 with a pointer, nothing saved)', async (_name, attributes, pointer, detail) => {
    const before = (await call('GET', rules(), { token: manager })).body.data.length;
    const res = await post({ templateId: plan, ...attributes });
    expect(res.status, res.text).toBe(400);
    expect(res.body.errors.map((e: any) => e.source.pointer)).toContain(pointer);
    if (detail) expect(res.body.errors[0].detail).toMatch(detail);
    expect((await call('GET', rules(), { token: manager })).body.data.length).toBe(before);
  });

  it('refuses a hostile regex fast, at save time', async () => {
    const started = performance.now();
    const res = await post({ event: 'PUSH', branch: '^(([a-z])+.)+[A-Z]([a-z])+$', templateId: plan });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].detail).toMatch(/nested quantifiers/);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('needs a template of the same organization (404 otherwise)', async () => {
    const other = await createOrganization(admin);
    const foreign = await templateId(admin, other, 'Plan');
    const res = await post({ event: 'PUSH', branch: 'main', templateId: foreign });
    expect(res.status).toBe(404);
    expect(res.body.errors[0].detail).toContain(foreign);
    expect((await post({ event: 'PUSH', branch: 'main', templateId: crypto.randomUUID() })).status).toBe(404);
    const id = (await post({ event: 'PUSH', branch: 'main', templateId: plan })).body.data.id;
    const patch = await call('PATCH', `${rules()}/${id}`, { token: manager, body: { data: { type: 'webhook_event', id, attributes: { templateId: foreign } } } });
    expect(patch.status).toBe(404);
  });

  it('needs manageWorkspace to write and membership to read', async () => {
    const id = (await post({ event: 'PUSH', branch: 'main', templateId: plan })).body.data.id;
    expect((await post({ event: 'PUSH', branch: 'main', templateId: plan }, reader)).status).toBe(403);
    expect((await call('DELETE', `${rules()}/${id}`, { token: reader })).status).toBe(403);
    expect((await call('GET', `${rules()}/${id}`, { token: reader })).status).toBe(200);
    expect((await call('GET', rules(), { token: outsider })).status).toBe(404);
    expect((await post({ event: 'PUSH', branch: 'main', templateId: plan }, outsider)).status).toBe(404);
    expect((await call('GET', `${hooks()}/${crypto.randomUUID()}/events`, { token: manager })).status).toBe(404);
  });

  it('checks the document: type, id and 405 on the collection', async () => {
    const id = (await post({ event: 'PUSH', branch: 'main', templateId: plan })).body.data.id;
    expect((await call('POST', rules(), { token: manager, body: doc('webhook', { event: 'PUSH', branch: 'main', templateId: plan }) })).status).toBe(409);
    expect((await call('PATCH', `${rules()}/${id}`, { token: manager, body: { data: { type: 'webhook_event', id: crypto.randomUUID(), attributes: {} } } })).status).toBe(409);
    expect((await call('PATCH', rules(), { token: manager, body: { data: { type: 'webhook_event', attributes: {} } } })).status).toBe(405);
  });
});
