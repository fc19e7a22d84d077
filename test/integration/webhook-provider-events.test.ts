/**
 * Each event kind of each provider, from real payload shapes (GitHub: @octokit/webhooks-examples;
 * GitLab, Bitbucket: events/webhooks/), makes the job the contract describes, and the events that
 * should start nothing start nothing.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { drainWebhookQueue } from '../../shared/adapters/local/in-process-delivery-queue';
import { adminToken, useTable } from '../helpers/api';
import { createOrganization, templateId } from '../helpers/fixtures';
import { deliver, fixture, githubExample, githubPush, jobsOf, webhookWithRules, type Provider } from '../helpers/webhooks';

useTable();
let admin: string;
let org: string;
let plan: string;
beforeAll(async () => {
  admin = await adminToken();
  org = await createOrganization(admin);
  plan = await templateId(admin, org, 'Plan');
});

const hookWith = (rules: Record<string, unknown>[]) => webhookWithRules(admin, org, plan, rules);
const jobs = (ws: string) => jobsOf(admin, org, ws);
const sha = (c: string) => c.repeat(40);

describe('events of each provider', () => {
  const cases: { name: string; provider: Provider; event: string; rule: Record<string, unknown>; payload: () => Record<string, any>; job: Record<string, unknown> }[] = [
    {
      name: 'GitHub push',
      provider: 'github',
      event: 'push',
      rule: { event: 'PUSH', branch: 'master', path: 'README\\.md' },
      payload: () => githubPush(),
      job: { via: 'Github', overrideBranch: 'master', commitId: '6113728f27ae82c7b1a177c8d03f9e96e0adf246', createdBy: '21031067+Codertocat@users.noreply.github.com' },
    },
    {
      name: 'GitHub pull request (synchronize)',
      provider: 'github',
      event: 'pull_request',
      rule: { event: 'PULL_REQUEST', branch: 'chan.*', path: 'never-matches\\.tf' },
      payload: () => githubExample('pull_request', (p) => p.action === 'synchronize'),
      job: { via: 'Github', overrideBranch: 'changes', createdBy: 'Codertocat' },
    },
    {
      name: 'GitHub release',
      provider: 'github',
      event: 'release',
      rule: { event: 'RELEASE', branch: '0\\.0\\..*' },
      payload: () => githubExample('release', (p) => p.action === 'published'),
      job: { via: 'Github', overrideBranch: 'refs/tags/0.0.1', commitId: null, createdBy: 'Codertocat' },
    },
    {
      name: 'GitLab push',
      provider: 'gitlab',
      event: 'push',
      rule: { event: 'PUSH', branch: 'main', path: 'modules/network/.*' },
      payload: () => fixture('gitlab-push'),
      job: { via: 'GitLab', overrideBranch: 'main', commitId: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7', createdBy: 'john@example.com' },
    },
    {
      name: 'GitLab merge request',
      provider: 'gitlab',
      event: 'merge_request',
      rule: { event: 'PULL_REQUEST', branch: 'feature/.*' },
      payload: () => fixture('gitlab-merge-request'),
      job: { via: 'GitLab', overrideBranch: 'feature/vpc', commitId: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7', createdBy: 'root' },
    },
    {
      name: 'GitLab tag push',
      provider: 'gitlab',
      event: 'tag_push',
      rule: { event: 'RELEASE', branch: 'refs/tags/v1\\..*' },
      payload: () => fixture('gitlab-tag-push'),
      job: { via: 'GitLab', overrideBranch: 'refs/tags/v1.0.0', commitId: '82b3d5ae55f7080f1e6022629cdb57bfae7cccc7', createdBy: 'jsmith' },
    },
    {
      name: 'GitLab release',
      provider: 'gitlab',
      event: 'release',
      rule: { event: 'RELEASE', branch: 'v.*' },
      payload: () => fixture('gitlab-release'),
      job: { via: 'GitLab', overrideBranch: 'refs/tags/v1.0.0', commitId: '82b3d5ae55f7080f1e6022629cdb57bfae7cccc7', createdBy: 'john@example.com' },
    },
    {
      name: 'Bitbucket push (no file list: the path rule is not applied)',
      provider: 'bitbucket',
      event: 'repo:push',
      rule: { event: 'PUSH', branch: 'main', path: 'never-matches\\.tf' },
      payload: () => fixture('bitbucket-push'),
      job: { via: 'Bitbucket', overrideBranch: 'main', commitId: '709d658dc5b6d6afcd46049c2f332ee3f515a67d', createdBy: 'emma@example.com' },
    },
    {
      name: 'Bitbucket tag push',
      provider: 'bitbucket',
      event: 'repo:push',
      rule: { event: 'RELEASE', branch: 'v2\\..*' },
      payload: () => fixture('bitbucket-tag-push'),
      job: { via: 'Bitbucket', overrideBranch: 'refs/tags/v2.3.0', commitId: '709d658dc5b6d6afcd46049c2f332ee3f515a67d', createdBy: 'emma@example.com' },
    },
    {
      name: 'Bitbucket pull request',
      provider: 'bitbucket',
      event: 'pullrequest:created',
      rule: { event: 'PULL_REQUEST', branch: 'feature/vpc' },
      payload: () => fixture('bitbucket-pullrequest-created'),
      job: { via: 'Bitbucket', overrideBranch: 'feature/vpc', commitId: 'd3022fc0ca3d', createdBy: 'emma' },
    },
  ];

  it.each(cases)('$name makes one job with the rule\'s template', async ({ provider, event, rule, payload, job }) => {
    const { ws, id, secret, ruleIds } = await hookWith([rule]);
    const res = await deliver(id, provider, event, payload(), secret);
    expect(res.status, res.text).toBe(202);
    expect(res.body.rule).toBe(ruleIds[0]);
    await drainWebhookQueue();
    const made = await jobs(ws);
    expect(made).toHaveLength(1);
    expect(made[0]?.attributes).toMatchObject({ ...job, templateReference: plan, status: 'pending', refresh: true, refreshOnly: false, autoApply: false });
    expect(made[0]?.attributes.comments).toMatch(/\(delivery .+\)$/);
  });

  it.each([
    ['a GitHub tag push', 'github', 'push', () => githubPush('refs/tags/simple-tag')],
    ['a GitHub branch deletion', 'github', 'push', () => githubExample('push', (p) => p.after === sha('0') && p.ref === 'refs/tags/simple-tag')],
    ['a closed GitHub pull request', 'github', 'pull_request', () => githubExample('pull_request', (p) => p.action === 'closed')],
    ['a GitHub draft release', 'github', 'release', () => ({ ...githubExample('release', (p) => p.action === 'created'), release: { ...githubExample('release').release, draft: true } })],
    ['a GitHub issue', 'github', 'issues', () => ({ action: 'opened', issue: {} })],
    ['a GitLab merge request title edit', 'gitlab', 'merge_request', () => {
      const p = fixture('gitlab-merge-request');
      p.object_attributes.action = 'update';
      return p;
    }],
    ['a Bitbucket branch deletion', 'bitbucket', 'repo:push', () => {
      const p = fixture('bitbucket-push');
      p.push.changes[0].new = null;
      return p;
    }],
  ] as const)('ignores %s (200, no job)', async (_name, provider, event, payload) => {
    const { ws, id, secret } = await hookWith([
      { event: 'PUSH', branch: '.*' },
      { event: 'PULL_REQUEST', branch: '.*' },
      { event: 'RELEASE', branch: '.*' },
    ]);
    const res = await deliver(id, provider, event, payload(), secret);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ accepted: false });
    await drainWebhookQueue();
    expect(await jobs(ws)).toHaveLength(0);
  });

  it('starts a GitLab merge request update that brought new commits', async () => {
    const { ws, id, secret } = await hookWith([{ event: 'PULL_REQUEST', branch: '.*' }]);
    const p = fixture('gitlab-merge-request');
    p.object_attributes.action = 'update';
    p.object_attributes.oldrev = sha('a');
    expect((await deliver(id, 'gitlab', 'merge_request', p, secret)).status).toBe(202);
    await drainWebhookQueue();
    expect(await jobs(ws)).toHaveLength(1);
  });
});

