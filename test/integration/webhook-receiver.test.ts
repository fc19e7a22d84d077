/**
 * The receiver: signatures of each provider, matching, exactly-once deliveries, and the answers for
 * everything a sender can get wrong. Jobs are created by the in-process queue (drained before
 * asserting); no engine runs them here. Each provider's event kinds: webhook-provider-events.test.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { roundTrips } from '../../shared/store/client';
import { keys } from '../../shared/store/keys';
import { getItem } from '../../shared/store/table';
import { drainWebhookQueue } from '../../shared/adapters/local/in-process-delivery-queue';
import { adminToken, call, useTable } from '../helpers/api';
import { createOrganization, createWorkspace, postJob, templateId } from '../helpers/fixtures';
import { createRule, createWebhook, deliver, fixture, githubExample, githubPush, jobsOf, webhookWithRules, type Provider } from '../helpers/webhooks';

useTable();
let admin: string;
let org: string;
let plan: string;
let apply: string;
beforeAll(async () => {
  admin = await adminToken();
  org = await createOrganization(admin);
  plan = await templateId(admin, org, 'Plan');
  apply = await templateId(admin, org, 'Plan and apply');
});

const hookWith = (rules: Record<string, unknown>[]) => webhookWithRules(admin, org, plan, rules);
const jobs = (ws: string) => jobsOf(admin, org, ws);


describe('authentication', () => {
  const cases: [Provider, string, () => Record<string, any>][] = [
    ['github', 'push', () => githubPush()],
    ['gitlab', 'push', () => ({ ...fixture('gitlab-push'), ref: 'refs/heads/master' })],
    ['bitbucket', 'repo:push', () => {
      const p = fixture('bitbucket-push');
      p.push.changes[0].new.name = 'master';
      return p;
    }],
  ];

  it.each(cases)('%s: a valid signature is accepted (202); a bad or missing one is 401 and records nothing', async (provider, event, payload) => {
    const { ws, id, secret } = await hookWith([{ event: 'PUSH', branch: 'master' }]);
    const bad = await deliver(id, provider, event, payload(), secret, { signature: provider === 'gitlab' ? 'not-the-secret' : `sha256=${'0'.repeat(64)}` });
    expect(bad.status).toBe(401);
    expect(bad.body.errors[0]).toMatchObject({ status: '401' });
    expect(bad.headers['www-authenticate']).toBeUndefined();
    const wrongSecret = await deliver(id, provider, event, payload(), 'another-secret-0123456789abcdefghijklmnop');
    expect(wrongSecret.status).toBe(401);
    const missing = await deliver(id, provider, event, payload(), secret, { signature: null, deliveryId: 'no-signature' });
    expect(missing.status).toBe(401);
    expect(missing.body.errors[0].detail).toMatch(/missing/);
    await drainWebhookQueue();
    expect(await jobs(ws)).toHaveLength(0);
    expect(await getItem(keys.webhookDelivery(id, 'no-signature'))).toBeUndefined();

    const good = await deliver(id, provider, event, payload(), secret);
    expect(good.status, good.text).toBe(202);
    expect(good.body).toMatchObject({ accepted: true });
    await drainWebhookQueue();
    expect(await jobs(ws)).toHaveLength(1);
  });

  it('checks the signature over the raw bytes, not a re-serialisation of the JSON', async () => {
    const { ws, id, secret } = await hookWith([{ event: 'PUSH', branch: 'master' }]);
    const raw = JSON.stringify(githubPush(), null, 2);
    const signedCompact = (await import('@octokit/webhooks-methods')).sign(secret, JSON.stringify(JSON.parse(raw)));
    expect((await deliver(id, 'github', 'push', null, secret, { rawBody: raw, signature: await signedCompact })).status).toBe(401);
    expect((await deliver(id, 'github', 'push', null, secret, { rawBody: raw })).status).toBe(202);
    await drainWebhookQueue();
    expect(await jobs(ws)).toHaveLength(1);
  });

  it('answers 404 for an unknown webhook, 400 for an unknown sender, 413 for a huge body', async () => {
    const { id, secret } = await hookWith([]);
    const ping = githubExample('ping');
    expect((await deliver(crypto.randomUUID(), 'github', 'ping', ping, secret)).status).toBe(404);
    expect((await deliver('not-a-uuid', 'github', 'ping', ping, secret)).status).toBe(404);
    const anonymous = await call('POST', `/webhook/v1/${id}`, { rawBody: '{}', contentType: 'application/json' });
    expect(anonymous.status).toBe(400);
    expect(anonymous.body.errors[0].detail).toMatch(/X-GitHub-Event/);
    const huge = await deliver(id, 'github', 'push', null, secret, { rawBody: Buffer.alloc(5 * 1024 * 1024 + 1, 32) });
    expect(huge.status).toBe(413);
    expect((await call('GET', `/webhook/v1/${id}`)).status).toBe(405);
  });

  it('answers 400 for a body that is not JSON, once the signature is valid', async () => {
    const { ws, id, secret } = await hookWith([{ event: 'PUSH', branch: '.*' }]);
    for (const provider of ['github', 'gitlab', 'bitbucket'] as const) {
      const res = await deliver(id, provider, provider === 'bitbucket' ? 'repo:push' : 'push', null, secret, { rawBody: '{"ref": "refs/heads/main",' });
      expect(res.status, provider).toBe(400);
      expect(res.body.errors[0].detail).toMatch(/not a JSON object/);
    }
    await drainWebhookQueue();
    expect(await jobs(ws)).toHaveLength(0);
  });

  it('answers a ping with 200 and starts nothing', async () => {
    const { ws, id, secret } = await hookWith([{ event: 'PUSH', branch: '.*' }]);
    for (const ping of [githubExample('ping'), githubExample('ping', (p) => p.hook?.type === 'Organization')]) {
      const res = await deliver(id, 'github', 'ping', ping, secret);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ ping: true });
    }
    expect((await deliver(id, 'bitbucket', 'diagnostics:ping', { test: true }, secret)).status).toBe(200);
    await drainWebhookQueue();
    expect(await jobs(ws)).toHaveLength(0);
  });

  it('accepts GitHub form-encoded deliveries', async () => {
    const { ws, id, secret } = await hookWith([{ event: 'PUSH', branch: 'master' }]);
    const body = new URLSearchParams({ payload: JSON.stringify(githubPush()) }).toString();
    const res = await deliver(id, 'github', 'push', null, secret, { rawBody: body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(res.status, res.text).toBe(202);
    await drainWebhookQueue();
    expect(await jobs(ws)).toHaveLength(1);
  });
});

describe('matching', () => {
  it('picks the first matching rule by priority; branch and path must match fully', async () => {
    const { ws, id, secret, ruleIds } = await hookWith([
      { event: 'PUSH', branch: 'mast', priority: 0 }, // not a full match of "master"
      { event: 'PUSH', branch: 'master', path: 'docs/.*', priority: 1 }, // no changed file under docs/
      { event: 'PUSH', branch: 'main,master', path: '.*\\.md', priority: 5, templateId: apply },
      { event: 'PUSH', branch: '.*', priority: 9 },
      { event: 'PULL_REQUEST', branch: '.*', priority: 0 },
    ]);
    const res = await deliver(id, 'github', 'push', githubPush(), secret);
    expect(res.body.rule).toBe(ruleIds[2]);
    await drainWebhookQueue();
    expect((await jobs(ws))[0]?.attributes.templateReference).toBe(apply);
  });

  it('matches changed files of every commit (added, modified, removed)', async () => {
    for (const [path, expected] of [['docs/old\\.md', 202], ['modules/network/outputs\\.tf', 202], ['modules/compute/.*', 200]] as const) {
      const { id, secret } = await hookWith([{ event: 'PUSH', branch: 'main', path }]);
      expect((await deliver(id, 'gitlab', 'push', fixture('gitlab-push'), secret)).status, path).toBe(expected);
    }
    await drainWebhookQueue();
  });

  it('answers 200 "no rule matches" and records nothing when no rule matches', async () => {
    const { ws, id, secret } = await hookWith([{ event: 'PUSH', branch: 'main' }, { event: 'RELEASE', branch: '.*' }]);
    const res = await deliver(id, 'github', 'push', githubPush('refs/heads/feature/x'), secret, { deliveryId: 'unmatched' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ accepted: false, matched: false });
    expect(res.body.reason).toContain('feature/x');
    await drainWebhookQueue();
    expect(await jobs(ws)).toHaveLength(0);
    expect(await getItem(keys.webhookDelivery(id, 'unmatched'))).toBeUndefined();
  });

  it('does not start jobs for branch names a job could not check out', async () => {
    const { ws, id, secret } = await hookWith([{ event: 'PUSH', branch: '.*' }]);
    const res = await deliver(id, 'github', 'push', githubPush('refs/heads/-upload-pack'), secret);
    expect(res.status).toBe(200);
    expect(res.body.reason).toMatch(/cannot be checked out/);
    await drainWebhookQueue();
    expect(await jobs(ws)).toHaveLength(0);
  });
});

describe('exactly once', () => {
  it('a redelivery (same delivery id) makes no second job and still answers 2xx', async () => {
    const { ws, id, secret } = await hookWith([{ event: 'PUSH', branch: 'master' }]);
    const deliveryId = crypto.randomUUID();
    expect((await deliver(id, 'github', 'push', githubPush(), secret, { deliveryId })).status).toBe(202);
    await drainWebhookQueue();
    const again = await deliver(id, 'github', 'push', githubPush(), secret, { deliveryId });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ duplicate: true, delivery: deliveryId });
    await drainWebhookQueue();
    expect(await jobs(ws)).toHaveLength(1);
  });

  it('concurrent copies of one delivery make one job', async () => {
    const { ws, id, secret } = await hookWith([{ event: 'PUSH', branch: 'main' }]);
    const answers = await Promise.all(Array.from({ length: 5 }, () => deliver(id, 'gitlab', 'push', fixture('gitlab-push'), secret, { deliveryId: 'same-event' })));
    for (const a of answers) expect([200, 202]).toContain(a.status);
    await drainWebhookQueue();
    expect(await jobs(ws)).toHaveLength(1);
  });

  it('without a delivery id, identical bodies are one delivery', async () => {
    const { ws, id, secret } = await hookWith([{ event: 'PUSH', branch: 'main' }]);
    expect((await deliver(id, 'bitbucket', 'repo:push', fixture('bitbucket-push'), secret, { deliveryId: null })).status).toBe(202);
    await drainWebhookQueue();
    expect((await deliver(id, 'bitbucket', 'repo:push', fixture('bitbucket-push'), secret, { deliveryId: null })).body.duplicate).toBe(true);
    expect(await jobs(ws)).toHaveLength(1);
  });

  it('a captured delivery replayed under a new delivery id makes no second job (the body is what was signed)', async () => {
    const { ws, id, secret } = await hookWith([{ event: 'PUSH', branch: 'main' }]);
    expect((await deliver(id, 'gitlab', 'push', fixture('gitlab-push'), secret, { deliveryId: crypto.randomUUID() })).status).toBe(202);
    await drainWebhookQueue();
    const replay = await deliver(id, 'gitlab', 'push', fixture('gitlab-push'), secret, { deliveryId: crypto.randomUUID() });
    expect(replay.status).toBe(200);
    expect(replay.body.duplicate).toBe(true);
    expect(await jobs(ws)).toHaveLength(1);
  });

  it('twin release notifications make one job (GitHub created + published; GitLab tag push + release)', async () => {
    const { ws, id, secret } = await hookWith([{ event: 'RELEASE', branch: '.*' }]);
    const created = githubExample('release', (p) => p.action === 'created');
    const published = githubExample('release', (p) => p.action === 'published' && p.release.id === created.release.id);
    expect((await deliver(id, 'github', 'release', created, secret)).status).toBe(202);
    await drainWebhookQueue();
    expect((await deliver(id, 'github', 'release', published, secret)).body.duplicate).toBe(true);
    expect((await deliver(id, 'gitlab', 'tag_push', fixture('gitlab-tag-push'), secret)).status).toBe(202);
    await drainWebhookQueue();
    expect((await deliver(id, 'gitlab', 'release', fixture('gitlab-release'), secret)).body.duplicate).toBe(true);
    expect(await jobs(ws)).toHaveLength(2);
  });

  it('a delivery whose job could not be created is retried by a redelivery, not swallowed', async () => {
    const ws = await createWorkspace(admin, org);
    const hook = await createWebhook(admin, org, ws);
    const doomed = (await call('POST', `/api/v1/organization/${org}/template`, { token: admin, body: { data: { type: 'template', attributes: { name: `t-${crypto.randomUUID()}`, tcl: Buffer.from('flow:\n  - type: terraformPlan\n    step: 100\n').toString('base64') } } } })).body.data.id;
    const rule = await createRule(admin, org, ws, hook.id, { event: 'PUSH', branch: 'master', templateId: doomed });
    expect((await call('DELETE', `/api/v1/organization/${org}/template/${doomed}`, { token: admin })).status).toBe(204);
    const deliveryId = crypto.randomUUID();
    expect((await deliver(hook.id, 'github', 'push', githubPush(), hook.secret, { deliveryId })).status).toBe(202);
    await drainWebhookQueue();
    expect(await jobs(ws)).toHaveLength(0);
    expect(await getItem(keys.webhookDelivery(hook.id, deliveryId))).toMatchObject({ status: 'failed', error: expect.stringContaining(doomed) });

    const patch = await call('PATCH', `/api/v1/organization/${org}/workspace/${ws}/webhook/${hook.id}/events/${rule}`, { token: admin, body: { data: { type: 'webhook_event', id: rule, attributes: { templateId: plan } } } });
    expect(patch.status).toBe(204);
    const redelivery = await deliver(hook.id, 'github', 'push', githubPush(), hook.secret, { deliveryId });
    expect(redelivery.status).toBe(202);
    await drainWebhookQueue();
    expect(await jobs(ws)).toHaveLength(1);
    expect(await getItem(keys.webhookDelivery(hook.id, deliveryId))).toMatchObject({ status: 'processed', jobId: expect.any(Number) });
  });

  it('counts DynamoDB round trips: receiver 1 (no match) or 2 (accepted); processor 2 + job creation', async () => {
    const { ws, id, secret } = await hookWith([{ event: 'PUSH', branch: 'master' }, { event: 'RELEASE', branch: '.*' }]);
    await drainWebhookQueue();
    roundTrips.reset();
    expect((await deliver(id, 'github', 'push', githubPush('refs/heads/other'), secret)).status).toBe(200);
    expect(roundTrips.byCommand).toEqual({ QueryCommand: 1 });
    roundTrips.reset();
    expect((await deliver(id, 'github', 'push', githubPush(), secret)).status).toBe(202);
    expect(roundTrips.byCommand).toEqual({ QueryCommand: 1, TransactWriteItemsCommand: 1 });

    // The processor: claim + mark processed, around the very job creation a REST POST does.
    await drainWebhookQueue();
    const processor = roundTrips.total - 2;
    roundTrips.reset();
    expect((await postJob(admin, org, ws, { templateReference: plan })).status).toBe(201);
    expect(processor).toBe(2 + roundTrips.total);
  });
});
