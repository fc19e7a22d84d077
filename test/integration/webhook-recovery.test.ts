/**
 * The processor when things go wrong half-way: a worker that died holding a delivery (lease lapsed,
 * with or without the job created), a worker still holding it, a transient DynamoDB failure, and
 * duplicate events. Each delivery must end with exactly one job.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { documentClient, useDocumentClient } from '../../shared/wiring';
import { keys } from '../../shared/store/keys';
import { getItem } from '../../shared/store/table';
import { update, write } from '../../shared/store/writes';
import { DeliveryBusy, deliveryExpiry, deliveryMarker, recordDelivery } from '../../shared/store/repositories/deliveries';
import { drainWebhookQueue } from '../../shared/adapters/local/in-process-delivery-queue';
import { processDelivery } from '../../shared/webhooks/process';
import { handler as processorFunction } from '../../functions/webhooks/process';
import { adminToken, useTable } from '../helpers/api';
import { createOrganization, createWorkspace, templateId } from '../helpers/fixtures';
import { createRule, createWebhook, deliver, githubExample, jobsOf } from '../helpers/webhooks';

useTable();
let admin: string;
let org: string;
let plan: string;
beforeAll(async () => {
  admin = await adminToken();
  org = await createOrganization(admin);
  plan = await templateId(admin, org, 'Plan');
});
afterEach(() => useDocumentClient(undefined));

/** A delivery recorded as the receiver records it, but not queued: the test drives the processor. */
async function recorded() {
  const ws = await createWorkspace(admin, org);
  const hook = await createWebhook(admin, org, ws);
  const rule = await createRule(admin, org, ws, hook.id, { event: 'PUSH', branch: 'main', templateId: plan });
  const deliveryKey = crypto.randomUUID();
  expect(await recordDelivery({
    webhookId: hook.id,
    deliveryKey,
    provider: 'github',
    organizationId: org,
    workspaceId: ws,
    ruleId: rule,
    templateId: plan,
    via: 'Github',
    overrideBranch: 'main',
    commitId: 'a'.repeat(40),
    createdBy: 'dev@example.com',
    comments: `GitHub push to main ${deliveryMarker(deliveryKey)}`,
    status: 'received',
    receivedAt: new Date().toISOString(),
    expiresAt: deliveryExpiry(),
  }, deliveryKey)).toBe('recorded');
  return { ws, message: { webhookId: hook.id, deliveryKey } };
}

/** The next `times` BatchGets fail as throttled, after the SDK's own retries (what the processor sees). */
function throttleBatchGets(times: number): void {
  const real = documentClient();
  let failures = times;
  useDocumentClient({
    send: (command: { constructor: { name: string } }) =>
      command.constructor.name === 'BatchGetCommand' && failures-- > 0
        ? Promise.reject(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }))
        : real.send(command as never),
  } as unknown as DynamoDBDocumentClient);
}

/** Makes the delivery look held by a worker whose lease lapsed (or not) since `claimedAt`. */
const heldSince = (message: { webhookId: string; deliveryKey: string }, claimedAt: string, lapsed = true) =>
  write([update(keys.webhookDelivery(message.webhookId, message.deliveryKey), {
    status: 'processing',
    claimedAt,
    leaseUntil: Math.floor(Date.now() / 1000) + (lapsed ? -1 : 300),
  })]);

describe('processing a delivery', () => {
  it('creates the job once; a duplicate message is skipped', async () => {
    const { ws, message } = await recorded();
    expect(await processDelivery(message)).toBe('created');
    expect(await processDelivery(message)).toBe('skipped');
    const jobs = await jobsOf(admin, org, ws);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]?.attributes).toMatchObject({ via: 'Github', overrideBranch: 'main', commitId: 'a'.repeat(40), createdBy: 'dev@example.com' });
    expect(await getItem(keys.webhookDelivery(message.webhookId, message.deliveryKey))).toMatchObject({ status: 'processed', jobId: Number(jobs[0]?.id), attempts: 1 });
  });

  it('takes over a lapsed lease and creates the job the dead worker never created', async () => {
    const { ws, message } = await recorded();
    await heldSince(message, new Date(Date.now() - 300_000).toISOString());
    expect(await processDelivery(message)).toBe('created');
    expect(await jobsOf(admin, org, ws)).toHaveLength(1);
  });

  it('adopts the job a dead worker created but did not record (no second job)', async () => {
    const { ws, message } = await recorded();
    const claimedAt = new Date(Date.now() - 1000).toISOString();
    expect(await processDelivery(message)).toBe('created');
    // Rewind: the worker "died" after creating the job, before marking the delivery processed.
    await heldSince(message, claimedAt);
    expect(await processDelivery(message)).toBe('adopted');
    const jobs = await jobsOf(admin, org, ws);
    expect(jobs).toHaveLength(1);
    expect(await getItem(keys.webhookDelivery(message.webhookId, message.deliveryKey))).toMatchObject({ status: 'processed', jobId: Number(jobs[0]?.id) });
  });

  it('leaves a delivery another worker holds alone (retried later)', async () => {
    const { ws, message } = await recorded();
    await heldSince(message, new Date().toISOString(), false);
    await expect(processDelivery(message)).rejects.toBeInstanceOf(DeliveryBusy);
    expect(await jobsOf(admin, org, ws)).toHaveLength(0);
  });

  it('hands the delivery back after a transient failure, and the retry makes the job', async () => {
    const { ws, message } = await recorded();
    throttleBatchGets(1);
    await expect(processDelivery(message)).rejects.toMatchObject({ name: 'Unavailable', cause: { message: 'throttled' } });
    expect(await getItem(keys.webhookDelivery(message.webhookId, message.deliveryKey))).toMatchObject({ status: 'received' });
    expect(await processDelivery(message)).toBe('created');
    expect(await jobsOf(admin, org, ws)).toHaveLength(1);
  });

  it('the AWS processor function throws a transient failure (Lambda retries the event) and drops an event that is not a delivery', async () => {
    const { ws, message } = await recorded();
    throttleBatchGets(1);
    await expect(processorFunction(message)).rejects.toMatchObject({ name: 'Unavailable', cause: { message: 'throttled' } });
    await expect(processorFunction(message)).resolves.toBeUndefined();
    await expect(processorFunction(message)).resolves.toBeUndefined(); // a duplicate event: nothing more
    await expect(processorFunction({ Records: [] })).resolves.toBeUndefined();
    expect(await jobsOf(admin, org, ws)).toHaveLength(1);
  });

  it('the local queue retries a failed attempt in the background', async () => {
    const ws = await createWorkspace(admin, org);
    const hook = await createWebhook(admin, org, ws);
    await createRule(admin, org, ws, hook.id, { event: 'PUSH', branch: 'master', templateId: plan });
    throttleBatchGets(2);
    const push = githubExample('push', (p) => p.ref === 'refs/heads/master');
    expect((await deliver(hook.id, 'github', 'push', push, hook.secret)).status).toBe(202);
    await drainWebhookQueue();
    useDocumentClient(undefined);
    expect(await jobsOf(admin, org, ws)).toHaveLength(1);
  });
});
