/**
 * Webhook deliveries as the providers send them: GitHub's payloads from @octokit/webhooks-examples,
 * GitLab's and Bitbucket's from events/webhooks/, signed (or not) the way each provider signs.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { sign } from '@octokit/webhooks-methods';
import { expect } from 'vitest';
import { call, type ApiAnswer } from './api';
import { createWorkspace, doc } from './fixtures';

type Payload = Record<string, any>;
export type Provider = 'github' | 'gitlab' | 'bitbucket';

const examples = createRequire(import.meta.url)('@octokit/webhooks-examples') as { name: string; examples: Payload[] }[];

/** A deep copy of the first GitHub example of `event` that satisfies `pick`. */
export function githubExample(event: string, pick: (p: Payload) => boolean = () => true): Payload {
  const found = examples.find((e) => e.name === event)?.examples.find(pick);
  if (!found) throw new Error(`no GitHub ${event} example`);
  return structuredClone(found);
}

/** A GitLab or Bitbucket payload from events/webhooks/<name>.json. */
export function fixture(name: string): Payload {
  return JSON.parse(readFileSync(new URL(`../../events/webhooks/${name}.json`, import.meta.url), 'utf8'));
}

export interface DeliveryOptions {
  deliveryId?: string | null;
  /** Override the signature (GitHub, Bitbucket) or token (GitLab); null leaves it out. */
  signature?: string | null;
  /** Send these bytes instead of the JSON of the payload (signed as they are). */
  rawBody?: string | Buffer;
  headers?: Record<string, string>;
}

const GITLAB_EVENTS: Record<string, string> = {
  push: 'Push Hook',
  tag_push: 'Tag Push Hook',
  merge_request: 'Merge Request Hook',
  release: 'Release Hook',
};

/** POSTs a delivery to the receiver the way `provider` does. `event` is the provider's event name. */
export async function deliver(
  webhookId: string,
  provider: Provider,
  event: string,
  payload: Payload | null,
  secret: string,
  options: DeliveryOptions = {},
): Promise<ApiAnswer> {
  const body = Buffer.from(options.rawBody ?? JSON.stringify(payload));
  const id = options.deliveryId === undefined ? crypto.randomUUID() : options.deliveryId;
  const headers: Record<string, string> = {};
  if (provider === 'github') {
    headers['x-github-event'] = event;
    if (id) headers['x-github-delivery'] = id;
    const signature = options.signature === undefined ? await sign(secret, body.toString('utf8')) : options.signature;
    if (signature !== null) headers['x-hub-signature-256'] = signature;
  } else if (provider === 'gitlab') {
    headers['x-gitlab-event'] = GITLAB_EVENTS[event] ?? event;
    if (id) headers['x-gitlab-event-uuid'] = id;
    const token = options.signature === undefined ? secret : options.signature;
    if (token !== null) headers['x-gitlab-token'] = token;
  } else {
    headers['x-event-key'] = event;
    if (id) headers['x-request-uuid'] = id;
    const signature = options.signature === undefined ? `sha256=${createHmac('sha256', secret).update(body).digest('hex')}` : options.signature;
    if (signature !== null) headers['x-hub-signature'] = signature;
  }
  const contentType = options.headers?.['content-type'] ?? 'application/json';
  return call('POST', `/webhook/v1/${webhookId}`, { rawBody: body, contentType, headers: { ...headers, ...options.headers } });
}

export const webhooksPath = (org: string, ws: string) => `/api/v1/organization/${org}/workspace/${ws}/webhook`;

/** Creates a webhook; returns its id and the secret the create response revealed. */
export async function createWebhook(tok: string, org: string, ws: string): Promise<{ id: string; secret: string }> {
  const res = await call('POST', webhooksPath(org, ws), { token: tok, body: doc('webhook', {}) });
  expect(res.status, res.text).toBe(201);
  return { id: res.body.data.id, secret: res.body.data.attributes.secret };
}

export async function createRule(tok: string, org: string, ws: string, webhook: string, attributes: Record<string, unknown>): Promise<string> {
  const res = await call('POST', `${webhooksPath(org, ws)}/${webhook}/events`, { token: tok, body: doc('webhook_event', attributes) });
  expect(res.status, res.text).toBe(201);
  return res.body.data.id;
}

/** GitHub's example push to master, with another ref if given. */
export function githubPush(ref = 'refs/heads/master'): Payload {
  const p = githubExample('push', (e) => e.ref === 'refs/heads/master');
  p.ref = ref;
  return p;
}

/** A fresh workspace with a webhook and the given rules (templateId defaults to `templateId`). */
export async function webhookWithRules(tok: string, org: string, templateId: string, rules: Record<string, unknown>[]) {
  const ws = await createWorkspace(tok, org);
  const hook = await createWebhook(tok, org, ws);
  const ruleIds: string[] = [];
  for (const rule of rules) ruleIds.push(await createRule(tok, org, ws, hook.id, { templateId, ...rule }));
  return { ws, ...hook, ruleIds };
}

/** The organization's jobs of one workspace (newest first). */
export async function jobsOf(tok: string, org: string, ws: string): Promise<{ id: string; attributes: Record<string, any> }[]> {
  const res = await call('GET', `/api/v1/organization/${org}/job?filter[job]=workspace.id==${ws}&page[size]=100`, { token: tok });
  expect(res.status, res.text).toBe(200);
  return res.body.data;
}
