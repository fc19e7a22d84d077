/** A webhook's event rules (WEBHOOK#<wh>/EVENT#<rule>), read by the receiver with the webhook in one Query. */
import { NotFound } from '../../domain/errors';
import type { WebhookEventRecord } from '../../webhooks/records';
import { keys, partitions, prefixes } from '../keys';
import { readPartition, ref, type Ref } from '../table';
import { check, conditions, put, remove, update, type WritePlan } from '../writes';
import { webhookNotFound } from './webhooks';

export const webhookEventRef = (webhook: string, id: string): Ref<WebhookEventRecord> => ref(keys.webhookEvent(webhook, id));

export const webhookEventNotFound = (id: string) => new NotFound(`webhook event ${id} does not exist`);

/** The rules by priority, then id (the order the receiver tries them in). */
export async function listWebhookEvents(webhook: string): Promise<WebhookEventRecord[]> {
  const items = await readPartition(partitions.webhook(webhook), { prefix: prefixes.webhookEvent });
  return items.map((i) => webhookEventRef(webhook, '').decode(i)).sort((a, b) => a.priority - b.priority || a.id.localeCompare(b.id));
}

/** The rule, and a check that its webhook still exists. */
export function planCreateWebhookEvent(e: WebhookEventRecord): WritePlan {
  return [
    put({ ...keys.webhookEvent(e.webhookId, e.id), ...e }, conditions.absent),
    check(keys.webhook(e.webhookId), conditions.exists, () => webhookNotFound(e.webhookId)),
  ];
}

export function planUpdateWebhookEvent(e: WebhookEventRecord, changes: Partial<WebhookEventRecord>): WritePlan {
  return [update(keys.webhookEvent(e.webhookId, e.id), changes, { condition: conditions.exists }, () => webhookEventNotFound(e.id))];
}

export function planDeleteWebhookEvent(e: WebhookEventRecord): WritePlan {
  return [remove(keys.webhookEvent(e.webhookId, e.id), conditions.exists, () => webhookEventNotFound(e.id))];
}
