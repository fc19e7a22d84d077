/**
 * Who sent a delivery and whether they know the webhook's secret. Every check runs over the raw body
 * bytes as received (contract §7; Terrakube re-serialised the JSON) and compares in constant time.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { verify as verifyGitHub } from '@octokit/webhooks-methods';
import type { Provider } from './records';

export type Headers = Record<string, string>;

/** The provider named by its event header; undefined when none is present. */
export function detectProvider(headers: Headers): Provider | undefined {
  if (headers['x-github-event']) return 'github';
  if (headers['x-gitlab-event']) return 'gitlab';
  if (headers['x-event-key']) return 'bitbucket';
  return undefined;
}

/** The provider's event name (GitLab's is read from the body's object_kind instead). */
export function eventName(provider: Provider, headers: Headers): string {
  return (provider === 'github' ? headers['x-github-event'] : provider === 'gitlab' ? headers['x-gitlab-event'] : headers['x-event-key']) ?? '';
}

/** Why the delivery is not authentic, or undefined when it is. */
export async function signatureProblem(provider: Provider, headers: Headers, body: Buffer, secret: string): Promise<string | undefined> {
  if (provider === 'github') {
    const signature = headers['x-hub-signature-256'];
    if (!signature) return 'X-Hub-Signature-256 is missing';
    const text = body.toString('utf8');
    // octokit verifies a string; only a body whose bytes survive UTF-8 decoding is the string GitHub signed.
    if (body.length === 0 || !Buffer.from(text, 'utf8').equals(body)) return 'the signature does not match the body';
    return (await verifyGitHub(secret, text, signature)) ? undefined : 'the signature does not match the body';
  }
  if (provider === 'gitlab') {
    const token = headers['x-gitlab-token'];
    if (!token) return 'X-Gitlab-Token is missing';
    // Digests have equal lengths, so the comparison time says nothing about the secret.
    return timingSafeEqual(sha256(Buffer.from(token, 'utf8')), sha256(Buffer.from(secret, 'utf8'))) ? undefined : 'the token is not the webhook secret';
  }
  const signature = headers['x-hub-signature'];
  if (!signature) return 'X-Hub-Signature is missing';
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`, 'utf8');
  const given = Buffer.from(signature, 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected) ? undefined : 'the signature does not match the body';
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest();

/**
 * The provider's id of this delivery, which it repeats on a redelivery: GitHub X-GitHub-Delivery,
 * GitLab Idempotency-Key (kept across retries) or X-Gitlab-Event-UUID, Bitbucket X-Request-UUID.
 * Without one, a SHA-256 of the body stands in. Odd-looking ids are hashed so keys stay short and safe.
 */
export function deliveryId(provider: Provider, headers: Headers, body: Buffer): string {
  const given =
    provider === 'github'
      ? headers['x-github-delivery']
      : provider === 'gitlab'
        ? (headers['idempotency-key'] ?? headers['x-gitlab-event-uuid'])
        : headers['x-request-uuid'];
  if (!given) return `body:${createHash('sha256').update(body).digest('hex')}`;
  return /^[A-Za-z0-9._{}-]{1,128}$/.test(given) ? given : `id:${createHash('sha256').update(given).digest('hex')}`;
}
