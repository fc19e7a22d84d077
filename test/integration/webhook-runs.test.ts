/**
 * End to end through the local engine: a signed push to `main` touching main.tf, from each provider, makes
 * one job that checks out the pushed commit with real git and runs terraform to completion. The same
 * delivery again makes none; a bad signature makes none and gets 401.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { drainWebhookQueue } from '../../shared/adapters/local/in-process-delivery-queue';
import { adminToken, token, useTable } from '../helpers/api';
import { TF_CONFIG, ended, gitRepo, useEngine, waitForJob } from '../helpers/engine';
import { createOrganization, createTeam, createWorkspace, templateId } from '../helpers/fixtures';
import { createRule, createWebhook, deliver, fixture, githubExample, jobsOf, type Provider } from '../helpers/webhooks';

useTable();
useEngine();
let admin: string;
let reader: string;
let org: string;
let plan: string;
beforeAll(async () => {
  admin = await adminToken();
  org = await createOrganization(admin);
  await createTeam(admin, org, 'READERS');
  reader = await token('reader@example.com', ['READERS']);
  plan = await templateId(admin, org, 'Plan');
});

const PUSHER = 'pusher@example.com';

/** Each provider's push payload for `commit` on main, changing main.tf. */
const pushes: Record<Provider, { event: string; payload: (commit: string) => Record<string, any> }> = {
  github: {
    event: 'push',
    payload: (commit) => {
      const p = githubExample('push', (e) => e.ref === 'refs/heads/master');
      p.ref = 'refs/heads/main';
      p.after = commit;
      p.head_commit = { ...p.head_commit, id: commit, added: [], modified: ['main.tf'], removed: [] };
      p.commits = [p.head_commit];
      p.pusher = { name: 'pusher', email: PUSHER };
      return p;
    },
  },
  gitlab: {
    event: 'push',
    payload: (commit) => {
      const p = fixture('gitlab-push');
      p.after = p.checkout_sha = commit;
      p.user_email = PUSHER;
      p.commits = [{ ...p.commits[0], id: commit, added: [], modified: ['main.tf'], removed: [] }];
      return p;
    },
  },
  bitbucket: {
    event: 'repo:push',
    payload: (commit) => {
      const p = fixture('bitbucket-push');
      p.push.changes[0].new.target.hash = commit;
      p.push.changes[0].new.target.author.raw = `Pusher <${PUSHER}>`;
      return p;
    },
  },
};
const VIA = { github: 'Github', gitlab: 'GitLab', bitbucket: 'Bitbucket' } as const;

describe('a signed push runs a job', () => {
  it.concurrent.each(['github', 'gitlab', 'bitbucket'] as const)('%s: one job, the pushed commit, run to completed; redelivery and bad signature make none', async (provider) => {
    const repo = gitRepo({ 'main.tf': TF_CONFIG });
    const commit = repo.commit({ 'main.tf': TF_CONFIG.replace('"hello"', `"hello from ${provider}"`) });
    const ws = await createWorkspace(admin, org, { source: repo.path, branch: 'main' });
    const hook = await createWebhook(admin, org, ws);
    await createRule(admin, org, ws, hook.id, { event: 'PUSH', branch: 'main', path: '.*\\.tf', templateId: plan });
    const { event, payload } = pushes[provider];
    const deliveryId = crypto.randomUUID();

    const forged = await deliver(hook.id, provider, event, payload(commit), provider === 'gitlab' ? 'wrong-token' : 'wrong-secret-0123456789abcdefghijklmnopq', { deliveryId: crypto.randomUUID() });
    expect(forged.status).toBe(401);

    const accepted = await deliver(hook.id, provider, event, payload(commit), hook.secret, { deliveryId });
    expect(accepted.status, accepted.text).toBe(202);
    await drainWebhookQueue();
    const again = await deliver(hook.id, provider, event, payload(commit), hook.secret, { deliveryId });
    expect(again.status).toBe(200);
    expect(again.body.duplicate).toBe(true);
    await drainWebhookQueue();

    const jobs = await jobsOf(reader, org, ws);
    expect(jobs).toHaveLength(1);
    const { job, steps } = await waitForJob(reader, org, jobs[0]?.id as string, ended, 60_000);
    expect(job.attributes).toMatchObject({ status: 'completed', via: VIA[provider], commitId: commit, overrideBranch: 'main', createdBy: PUSHER, templateReference: plan });
    expect(steps.map((s) => s.attributes.status)).toEqual(['completed']);
    expect(await jobsOf(reader, org, ws)).toHaveLength(1);
  }, 90_000);
});
