/**
 * Webhooks live in a partition of their own (WEBHOOK#<wh>) because the receiver knows only the webhook
 * id (`/webhook/v1/{id}`): one strongly consistent Query reads the webhook and every rule of it. Event
 * rules (EVENT#<rule>) and delivery records (DELIVERY#…, deliveries.ts) share that partition, so
 * deleting a webhook removes them; a workspace's webhooks are listed through GSI1 WS#<ws>#WEBHOOK.
 */
import { Conflict, NotFound } from '../../domain/errors';
import type { WebhookEventRecord, WebhookRecord } from '../../webhooks/records';
import { indexes, keys, partitions, prefixes } from '../keys';
import { deleteAll, keyOf, readPartition, ref, stripKeys, type Ref } from '../table';
import { conditions, put, remove, update, type WritePlan } from '../writes';

export const webhookRef = (id: string): Ref<WebhookRecord> => ref(keys.webhook(id));

export const webhookNotFound = (id: string) => new NotFound(`webhook ${id} does not exist`);

/** A workspace's webhooks, oldest first. */
export async function listWebhooks(ws: string): Promise<WebhookRecord[]> {
  return (await readPartition(partitions.webhooksOfWorkspace(ws))).map((i) => stripKeys<WebhookRecord>(i));
}

/** The webhook and all its rules in one strongly consistent Query (deliveries sort before EVENT#: not read). */
export async function readWebhookWithRules(id: string): Promise<{ webhook: WebhookRecord; rules: WebhookEventRecord[] } | undefined> {
  const items = await readPartition(partitions.webhook(id), { from: prefixes.webhookEvent });
  const webhookItem = items.find((i) => i.sk === keys.webhook(id).sk);
  if (!webhookItem) return undefined;
  const rules = items.filter((i) => String(i.sk).startsWith(prefixes.webhookEvent)).map((i) => stripKeys<WebhookEventRecord>(i));
  return { webhook: stripKeys<WebhookRecord>(webhookItem), rules };
}

/** A workspace's webhooks, a page per Query (oldest first). */
export const webhookCollection = (ws: string) => ({ partition: partitions.webhooksOfWorkspace(ws), decode: (i: Record<string, unknown>) => stripKeys<WebhookRecord>(i) });

/** The webhook (its id may be the client's: taken ids are a 409), and its id in the workspace's `webhookIds`. */
export function planCreateWebhook(w: WebhookRecord): WritePlan {
  return [
    put({ ...keys.webhook(w.id), ...indexes.webhook(w.workspaceId, w.createdDate, w.id), ...w }, conditions.absent, () => new Conflict(`a webhook with id ${w.id} already exists`)),
    update(keys.workspace(w.workspaceId), {}, { addToSet: { webhookIds: [w.id] }, condition: conditions.exists }, () => new NotFound(`workspace ${w.workspaceId} does not exist`)),
  ];
}

export function planUpdateWebhook(w: WebhookRecord, changes: Partial<WebhookRecord>): WritePlan {
  return [update(keys.webhook(w.id), changes, { condition: conditions.exists }, () => webhookNotFound(w.id))];
}

/** The webhook item: from then on deliveries are 404 (its rules and deliveries go after, removeWebhookPartition). */
export function planDeleteWebhook(w: WebhookRecord): WritePlan {
  return [
    remove(keys.webhook(w.id), conditions.exists, () => webhookNotFound(w.id)),
    update(keys.workspace(w.workspaceId), {}, { deleteFromSet: { webhookIds: [w.id] }, condition: conditions.exists }),
  ];
}

/** Everything left in a webhook's partition (its rules and recorded deliveries), and its rules' pointers. */
export async function removeWebhookPartition(id: string): Promise<void> {
  const items = (await readPartition(partitions.webhook(id), { keysOnly: true })).map(keyOf);
  const pointers = items.filter((k) => k.sk.startsWith(prefixes.webhookEvent)).map((k) => keys.webhookEventPointer(k.sk.slice(prefixes.webhookEvent.length)));
  await deleteAll([...items, ...pointers]);
}

/** A deleted workspace takes its webhooks along (they are keyed by webhook, not by workspace). */
export async function removeWorkspaceWebhooks(ws: string): Promise<void> {
  const webhooks = await readPartition(partitions.webhooksOfWorkspace(ws), { projection: 'pk, sk, id' });
  for (const webhook of webhooks) await removeWebhookPartition(String(webhook.id));
}
