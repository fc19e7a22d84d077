/**
 * A webhook's event rules (WEBHOOK#<wh>/EVENT#<rule>), read by the receiver with the webhook in one
 * Query. Each rule has a pointer item (WEBHOOKEVENT#<rule>) naming its webhook, so a rule is found by its
 * id alone (/webhook_event/{id}) and a client-chosen id is unique; the webhook item lists its rules' ids.
 */
import { Conflict, NotFound } from '../../domain/errors';
import type { WebhookEventRecord } from '../../webhooks/records';
import { keys, partitions, prefixes } from '../keys';
import { readPartition, ref, type Ref } from '../table';
import { conditions, put, remove, update, type WritePlan } from '../writes';
import { webhookNotFound } from './webhooks';

export const webhookEventRef = (webhook: string, id: string): Ref<WebhookEventRecord> => ref(keys.webhookEvent(webhook, id));

/** What a rule's pointer names: its webhook. */
export interface WebhookEventPointer {
  webhookId: string;
}
export const webhookEventPointerRef = (id: string): Ref<WebhookEventPointer> => ref(keys.webhookEventPointer(id));

export const webhookEventNotFound = (id: string) => new NotFound(`webhook event ${id} does not exist`);

const byPriority = (a: WebhookEventRecord, b: WebhookEventRecord) => a.priority - b.priority || a.id.localeCompare(b.id);

/** The rules by priority, then id (the order the receiver tries them in). */
export async function listWebhookEvents(webhook: string): Promise<WebhookEventRecord[]> {
  const items = await readPartition(partitions.webhook(webhook), { prefix: prefixes.webhookEvent });
  return items.map((i) => webhookEventRef(webhook, '').decode(i)).sort(byPriority);
}

/** A webhook's rules, a page per Query, by priority within a page. */
export const webhookEventCollection = (webhook: string) => ({
  partition: partitions.webhook(webhook),
  prefix: prefixes.webhookEvent,
  decode: webhookEventRef(webhook, '').decode,
  order: byPriority,
});

/** The rule, its pointer (a taken id is a 409), and its id in the webhook's `eventIds` (only while the webhook exists). */
export function planCreateWebhookEvent(e: WebhookEventRecord): WritePlan {
  return [
    put({ ...keys.webhookEvent(e.webhookId, e.id), ...e }, conditions.absent),
    put({ ...keys.webhookEventPointer(e.id), webhookId: e.webhookId }, conditions.absent, () => new Conflict(`a webhook event with id ${e.id} already exists`)),
    update(keys.webhook(e.webhookId), {}, { addToSet: { eventIds: [e.id] }, condition: conditions.exists }, () => webhookNotFound(e.webhookId)),
  ];
}

export function planUpdateWebhookEvent(e: WebhookEventRecord, changes: Partial<WebhookEventRecord>): WritePlan {
  return [update(keys.webhookEvent(e.webhookId, e.id), changes, { condition: conditions.exists }, () => webhookEventNotFound(e.id))];
}

export function planDeleteWebhookEvent(e: WebhookEventRecord): WritePlan {
  return [
    remove(keys.webhookEvent(e.webhookId, e.id), conditions.exists, () => webhookEventNotFound(e.id)),
    remove(keys.webhookEventPointer(e.id)),
    update(keys.webhook(e.webhookId), {}, { deleteFromSet: { eventIds: [e.id] }, condition: conditions.exists }),
  ];
}
