/** Provider detection, signature checks, delivery ids and payload parsing, without the table. */
import { createHmac } from 'node:crypto';
import { sign } from '@octokit/webhooks-methods';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parsePayload } from '../../shared/webhooks/payloads';
import { deliveryId, detectProvider, signatureProblem } from '../../shared/webhooks/providers';
import { kmsSecretBox } from '../../shared/adapters/aws/kms-secret-box';
import { newWebhookSecret } from '../../shared/webhooks/webhook-secret';
import { secretBox } from '../../shared/wiring';
import { fixture, githubExample } from '../helpers/webhooks';

const secret = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const body = Buffer.from('{"zen":"Keep it logically awesome."}');

describe('signatures', () => {
  it('recognises the provider by its event header', () => {
    expect(detectProvider({ 'x-github-event': 'push' })).toBe('github');
    expect(detectProvider({ 'x-gitlab-event': 'Push Hook' })).toBe('gitlab');
    expect(detectProvider({ 'x-event-key': 'repo:push' })).toBe('bitbucket');
    expect(detectProvider({ 'user-agent': 'curl' })).toBeUndefined();
  });

  it('GitHub: X-Hub-Signature-256 over the raw bytes', async () => {
    const good = await sign(secret, body.toString());
    expect(await signatureProblem('github', { 'x-hub-signature-256': good }, body, secret)).toBeUndefined();
    expect(await signatureProblem('github', { 'x-hub-signature-256': good }, Buffer.from(`${body} `), secret)).toMatch(/does not match/);
    expect(await signatureProblem('github', { 'x-hub-signature-256': good.replace('sha256=', 'sha1=') }, body, secret)).toMatch(/does not match/);
    expect(await signatureProblem('github', {}, body, secret)).toMatch(/missing/);
    // Bytes that are not UTF-8 cannot be what GitHub signed.
    const latin1 = Buffer.from([0x7b, 0xe9, 0x7d]);
    expect(await signatureProblem('github', { 'x-hub-signature-256': await sign(secret, latin1.toString('utf8')) }, latin1, secret)).toMatch(/does not match/);
  });

  it('GitLab: X-Gitlab-Token equals the secret', async () => {
    expect(await signatureProblem('gitlab', { 'x-gitlab-token': secret }, body, secret)).toBeUndefined();
    expect(await signatureProblem('gitlab', { 'x-gitlab-token': secret.slice(1) }, body, secret)).toMatch(/not the webhook secret/);
    expect(await signatureProblem('gitlab', {}, body, secret)).toMatch(/missing/);
  });

  it('Bitbucket: X-Hub-Signature sha256 HMAC over the raw bytes', async () => {
    const good = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
    expect(await signatureProblem('bitbucket', { 'x-hub-signature': good }, body, secret)).toBeUndefined();
    expect(await signatureProblem('bitbucket', { 'x-hub-signature': good.toUpperCase() }, body, secret)).toMatch(/does not match/);
    expect(await signatureProblem('bitbucket', { 'x-hub-signature': 'sha256=00' }, body, secret)).toMatch(/does not match/);
    expect(await signatureProblem('bitbucket', {}, body, secret)).toMatch(/missing/);
  });

  it('takes the delivery id each provider repeats on redelivery, else a hash of the body', () => {
    expect(deliveryId('github', { 'x-github-delivery': 'd1' }, body)).toBe('d1');
    expect(deliveryId('gitlab', { 'x-gitlab-event-uuid': 'u1', 'idempotency-key': 'k1' }, body)).toBe('k1');
    expect(deliveryId('gitlab', { 'x-gitlab-event-uuid': 'u1' }, body)).toBe('u1');
    expect(deliveryId('bitbucket', { 'x-request-uuid': 'r1' }, body)).toBe('r1');
    expect(deliveryId('bitbucket', {}, body)).toMatch(/^body:[0-9a-f]{64}$/);
    expect(deliveryId('github', { 'x-github-delivery': 'a#b'.repeat(100) }, body)).toMatch(/^id:[0-9a-f]{64}$/);
  });
});

describe('payloads', () => {
  it('GitHub push: branch, every changed file, commit, pusher email', () => {
    const p = githubExample('push', (e) => e.ref === 'refs/heads/master');
    p.commits = [
      { added: ['a.tf'], modified: ['b.tf'], removed: [] },
      { added: [], modified: ['b.tf'], removed: ['c.tf'] },
    ];
    const parsed = parsePayload('github', 'push', p);
    expect(parsed).toEqual({
      type: 'event',
      event: {
        kind: 'PUSH',
        refNames: ['master'],
        overrideBranch: 'master',
        files: ['a.tf', 'b.tf', 'c.tf'],
        commitId: '6113728f27ae82c7b1a177c8d03f9e96e0adf246',
        createdBy: '21031067+Codertocat@users.noreply.github.com',
        summary: 'GitHub push to master',
      },
    });
    delete p.pusher.email;
    expect(parsePayload('github', 'push', p)).toMatchObject({ event: { createdBy: 'Codertocat' } });
  });

  it('releases check out refs/tags/<tag>; a tag is matched as itself or as its ref', () => {
    expect(parsePayload('github', 'release', githubExample('release', (e) => e.action === 'created'))).toMatchObject({
      event: { kind: 'RELEASE', refNames: ['0.0.1', 'refs/tags/0.0.1'], overrideBranch: 'refs/tags/0.0.1', commitId: null, files: null },
    });
    const sha = githubExample('release', (e) => e.action === 'published');
    sha.release.target_commitish = 'c'.repeat(40);
    expect(parsePayload('github', 'release', sha)).toMatchObject({ event: { commitId: 'c'.repeat(40) } });
    expect(parsePayload('gitlab', 'Release Hook', fixture('gitlab-release'))).toMatchObject({ event: { overrideBranch: 'refs/tags/v1.0.0' } });
    expect(parsePayload('gitlab', 'Tag Push Hook', fixture('gitlab-tag-push'))).toMatchObject({ event: { overrideBranch: 'refs/tags/v1.0.0', createdBy: 'jsmith' } });
    expect(parsePayload('bitbucket', 'repo:push', fixture('bitbucket-tag-push'))).toMatchObject({ event: { overrideBranch: 'refs/tags/v2.3.0' } });
  });

  it('pull requests carry no file list', () => {
    expect(parsePayload('github', 'pull_request', githubExample('pull_request', (e) => e.action === 'opened'))).toMatchObject({ event: { kind: 'PULL_REQUEST', files: null } });
    expect(parsePayload('gitlab', 'Merge Request Hook', fixture('gitlab-merge-request'))).toMatchObject({ event: { kind: 'PULL_REQUEST', files: null, overrideBranch: 'feature/vpc' } });
    expect(parsePayload('bitbucket', 'pullrequest:updated', fixture('bitbucket-pullrequest-created'))).toMatchObject({ event: { kind: 'PULL_REQUEST', files: null } });
  });

  it('never throws on odd payloads: they are ignored', () => {
    for (const payload of [{}, { ref: 5 }, { commits: 'x', ref: 'refs/heads/x' }, { object_kind: 'push' }, { push: { changes: [null, 5] } }]) {
      for (const [provider, event] of [['github', 'push'], ['gitlab', 'Push Hook'], ['bitbucket', 'repo:push'], ['github', 'pull_request'], ['bitbucket', 'pullrequest:created']] as const) {
        expect(['ignored', 'event']).toContain(parsePayload(provider, event, payload).type);
      }
    }
  });
});

describe('secret box', () => {
  afterEach(() => {
    vi.doUnmock('@aws-sdk/client-kms');
  });

  it('locally: AES-GCM bound to its context; tampering or another webhook fails', async () => {
    const secret = newWebhookSecret();
    const sealed = await secretBox().seal(secret, { webhookId: 'w1' });
    expect(sealed).not.toContain(secret);
    expect(await secretBox().open(sealed, { webhookId: 'w1' })).toBe(secret);
    await expect(secretBox().open(sealed, { webhookId: 'w2' })).rejects.toThrow();
    const raw = Buffer.from(sealed.slice('local:v1:'.length), 'base64url');
    raw[raw.length - 1] ^= 1;
    const tampered = `local:v1:${raw.toString('base64url')}`;
    await expect(secretBox().open(tampered, { webhookId: 'w1' })).rejects.toThrow();
  });

  it('in AWS: KMS Encrypt/Decrypt with the encryption context', async () => {
    const sent: { name: string; input: any }[] = [];
    vi.doMock('@aws-sdk/client-kms', () => {
      class Command {
        constructor(readonly input: any) {}
      }
      return {
        KMSClient: class {
          async send(command: Command) {
            sent.push({ name: command.constructor.name, input: command.input });
            return command.constructor.name === 'EncryptCommand'
              ? { CiphertextBlob: Buffer.from(`enc:${Buffer.from(command.input.Plaintext).toString()}`) }
              : { Plaintext: Buffer.from(Buffer.from(command.input.CiphertextBlob).toString().slice(4)) };
          }
        },
        EncryptCommand: class EncryptCommand extends Command {},
        DecryptCommand: class DecryptCommand extends Command {},
      };
    });
    const keyId = 'arn:aws:kms:eu-west-1:123456789012:key/test';
    const box = kmsSecretBox(keyId);
    const sealed = await box.seal('s3cret', { webhookId: 'w1' });
    expect(sealed).toMatch(/^kms:v1:/);
    expect(await box.open(sealed, { webhookId: 'w1' })).toBe('s3cret');
    expect(sent.map((s) => [s.name, s.input.KeyId, s.input.EncryptionContext])).toEqual([
      ['EncryptCommand', keyId, { webhookId: 'w1' }],
      ['DecryptCommand', keyId, { webhookId: 'w1' }],
    ]);
  });
});
