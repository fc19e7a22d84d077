/**
 * `POST /webhook/v1/{webhookId}`: authenticate a VCS delivery, decide which rule (if any) it triggers,
 * record it once, queue it, and answer at once (GitHub gives up after 10 s). Job creation happens in
 * the processor (process.ts), behind the event queue.
 *
 * Matching runs here, not in the processor: it needs the rules the authenticating Query already read
 * (no extra round trip), its work is bounded (patterns.ts), and the sender learns from the answer
 * whether its event started anything. Only deliveries that matched are recorded and queued.
 *
 * DynamoDB round trips: 1 Query (webhook + rules) for every answer; +1 transaction (the delivery record
 * and its body guard, both conditional) for a match.
 */
import { createHash } from 'node:crypto';
import * as v from 'valibot';
import { Invalid, NotFound, Unauthorized } from '../domain/errors';
import { JobSource } from '../jobs/job-source';
import { deliveryExpiry, deliveryMarker, recordDelivery } from '../store/repositories/deliveries';
import { readWebhookWithRules } from '../store/repositories/webhooks';
import { deliveryQueue, secretBox } from '../wiring';
import { parsePayload } from './payloads';
import { Matcher, pathPatterns, splitPatterns } from './patterns';
import { detectProvider, deliveryId, eventName, signatureProblem, type Headers } from './providers';
import { VIA, type Provider, type VcsEvent, type WebhookEventRecord, type WebhookRecord } from './records';

export const MAX_WEBHOOK_BODY = 5 * 1024 * 1024;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface DeliveryRequest {
  webhookId: string;
  /** Lower-case header names. */
  headers: Headers;
  /** The body exactly as sent (API Gateway's body, base64-decoded when it was encoded). */
  body: Buffer;
}

export interface DeliveryAnswer {
  /** The delivery was recorded and queued: a job is being created. */
  queued: boolean;
  body: Record<string, unknown>;
  /** For the access log: what the delivery turned out to be. */
  log: Record<string, unknown>;
}

const answer = (queued: boolean, body: Record<string, unknown>, log: Record<string, unknown>): DeliveryAnswer => ({ queued, body, log });
/** A sender that does not know the secret; no authentication scheme to ask for: the signature is it. */
const notAuthentic = (detail: string) => new Unauthorized(detail);

export async function receiveDelivery(req: DeliveryRequest): Promise<DeliveryAnswer> {
  if (!UUID.test(req.webhookId)) throw new NotFound(`webhook ${req.webhookId} does not exist`);
  const webhookId = req.webhookId.toLowerCase();
  const provider = detectProvider(req.headers);
  if (!provider) throw new Invalid('unknown sender: expected an X-GitHub-Event, X-Gitlab-Event or X-Event-Key header', { header: 'X-GitHub-Event' });

  const loaded = await readWebhookWithRules(webhookId);
  if (!loaded) throw new NotFound(`webhook ${webhookId} does not exist`);
  const { webhook, rules } = loaded;
  const problem = await signatureProblem(provider, req.headers, req.body, await openSecret(webhook));
  if (problem) throw notAuthentic(`${providerName[provider]} delivery refused: ${problem}`);

  const name = eventName(provider, req.headers);
  const parsed = parsePayload(provider, name, parseBody(provider, req));
  const log = { provider, event: name, webhookId };
  if (parsed.type === 'ping') return answer(false, { ping: true, webhook: webhookId }, { ...log, outcome: 'ping' });
  if (parsed.type === 'ignored') return answer(false, { accepted: false, reason: parsed.reason }, { ...log, outcome: 'ignored' });

  const event = parsed.event;
  const matcher = new Matcher();
  const rule = firstMatchingRule(rules, event, matcher);
  if (!rule) {
    const reason = matcher.exhausted ? 'matching stopped at its time budget; no rule matched before' : `no ${event.kind} rule of this webhook matches ${event.refNames[0]}`;
    return answer(false, { accepted: false, matched: false, reason }, { ...log, outcome: 'no match' });
  }
  const job = jobFields(provider, event);
  if ('invalid' in job) return answer(false, { accepted: false, reason: job.invalid }, { ...log, outcome: 'ignored' });

  const deliveryKey = event.dedupeKey ?? deliveryId(provider, req.headers, req.body);
  const recorded = await recordDelivery({
    webhookId,
    deliveryKey,
    provider,
    organizationId: webhook.organizationId,
    workspaceId: webhook.workspaceId,
    ruleId: rule.id,
    templateId: rule.templateId,
    via: VIA[provider],
    ...job,
    comments: `${event.summary.slice(0, 300)} ${deliveryMarker(deliveryKey)}`,
    status: 'received',
    receivedAt: new Date().toISOString(),
    expiresAt: deliveryExpiry(),
  }, createHash('sha256').update(req.body).digest('hex'));
  const outcome = { ...log, deliveryKey, rule: rule.id };
  if (recorded === 'duplicate') return answer(false, { accepted: false, duplicate: true, delivery: deliveryKey }, { ...outcome, outcome: 'duplicate' });
  await deliveryQueue().send({ webhookId, deliveryKey });
  return answer(true, { accepted: true, delivery: deliveryKey, rule: rule.id, ...(recorded === 'unfinished' ? { redelivery: true } : {}) }, { ...outcome, outcome: 'accepted' });
}

const providerName: Record<Provider, string> = { github: 'GitHub', gitlab: 'GitLab', bitbucket: 'Bitbucket' };

/** Rules of the event's kind by priority (then id); the first whose branch and path conditions hold. */
export function firstMatchingRule(rules: WebhookEventRecord[], event: VcsEvent, matcher = new Matcher()): WebhookEventRecord | undefined {
  const candidates = rules
    .filter((r) => r.event === event.kind)
    .sort((a, b) => a.priority - b.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const rule of candidates) {
    if (!matcher.anyMatch(splitPatterns(rule.branch), event.refNames)) continue;
    const paths = pathPatterns(rule.path, rule.pathType);
    // Releases, and events whose payload lists no files, match on the branch alone.
    if (event.kind === 'RELEASE' || event.files === null || paths.length === 0 || matcher.anyMatch(paths, event.files)) return rule;
    if (matcher.exhausted) return undefined;
  }
  return undefined;
}

/** The job's branch, commit and creator, held to the same rules as a REST POST of the job. */
function jobFields(provider: Provider, event: VcsEvent): { overrideBranch: string; commitId: string | null; createdBy: string } | { invalid: string } {
  const commitId = event.commitId && /^[0-9a-fA-F]{4,64}$/.test(event.commitId) ? event.commitId : null;
  const checked = v.safeParse(JobSource, { overrideBranch: event.overrideBranch, commitId });
  if (!checked.success) return { invalid: `the branch '${event.overrideBranch.slice(0, 100)}' cannot be checked out by a job` };
  return { overrideBranch: event.overrideBranch, commitId, createdBy: (event.createdBy ?? `webhook@${provider}`).slice(0, 256) };
}

/** JSON, or for GitHub's form encoding the `payload` field; parsed only after the signature held. */
function parseBody(provider: Provider, req: DeliveryRequest): unknown {
  let text = req.body.toString('utf8');
  if (provider === 'github' && /^application\/x-www-form-urlencoded/i.test(req.headers['content-type'] ?? '')) {
    text = new URLSearchParams(text).get('payload') ?? '';
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed;
  } catch {
    // fall through
  }
  throw new Invalid('the delivery body is not a JSON object', { pointer: '' });
}

/**
 * Opened secrets are kept per container, keyed by their sealed form: rotation seals a new one (a new
 * key), so a rotated secret is never served from here. This saves a KMS call per delivery.
 */
const opened = new Map<string, string>();

async function openSecret(webhook: WebhookRecord): Promise<string> {
  let secret = opened.get(webhook.sealedSecret);
  if (secret === undefined) {
    secret = await secretBox().open(webhook.sealedSecret, { webhookId: webhook.id });
    if (opened.size >= 500) opened.delete(opened.keys().next().value as string);
    opened.set(webhook.sealedSecret, secret);
  }
  return secret;
}
