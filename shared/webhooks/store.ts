/** Reading and removing webhooks with everything in their partition (see the key design in store/keys.ts). */
import { indexes, keys } from '../store/keys';
import { deleteAll, queryAll, stripKeys, type Item } from '../store/table';
import type { WebhookEventRecord, WebhookRecord } from './records';

/** The webhook and all its rules in one strongly consistent Query (deliveries sort before EVENT#). */
export async function loadWebhookWithRules(webhookId: string): Promise<{ webhook: WebhookRecord; rules: WebhookEventRecord[] } | undefined> {
  const items = await queryAll({
    KeyConditionExpression: 'pk = :p AND sk >= :s',
    ExpressionAttributeValues: { ':p': keys.webhook(webhookId).pk, ':s': 'EVENT#' },
  });
  const webhookItem = items.find((i) => i.sk === keys.webhook(webhookId).sk);
  if (!webhookItem) return undefined;
  const rules = items.filter((i) => String(i.sk).startsWith('EVENT#')).map((i) => stripKeys<WebhookEventRecord>(i));
  return { webhook: stripKeys<WebhookRecord>(webhookItem), rules };
}

const keyOf = (i: Item) => ({ pk: String(i.pk), sk: String(i.sk) });

/** Everything left in a webhook's partition: its rules and recorded deliveries. */
export async function deleteWebhookPartition(webhookId: string): Promise<void> {
  const items = await queryAll({
    KeyConditionExpression: 'pk = :p',
    ExpressionAttributeValues: { ':p': keys.webhook(webhookId).pk },
    ProjectionExpression: 'pk, sk',
  });
  await deleteAll(items.map(keyOf));
}

/** A deleted workspace takes its webhooks along (they are keyed by webhook, not by workspace). */
export async function deleteWorkspaceWebhooks(workspaceId: string): Promise<void> {
  const webhooks = await queryAll({
    index: 'gsi1',
    KeyConditionExpression: 'gsi1pk = :p',
    ExpressionAttributeValues: { ':p': indexes.webhook(workspaceId, '', '').gsi1pk },
    ProjectionExpression: 'pk, sk, id',
  });
  for (const webhook of webhooks) await deleteWebhookPartition(String(webhook.id));
}
