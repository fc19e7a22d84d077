/**
 * Processing one accepted delivery: create its job through the same path as the REST POST and start the
 * run of whichever job became active. Idempotent per delivery (store/repositories/deliveries.ts); throws only for what a
 * retry can fix, so Lambda's asynchronous retries (or the local queue's) repeat exactly those.
 *
 * DynamoDB round trips: claim (1 UpdateItem) + createJob (its own: a BatchGet and its writes) + mark
 * processed (1 UpdateItem). A retry after a lapsed lease adds one Query (usually one page).
 */
import { isPermanent } from '../domain/errors';
import { createdRun, createJob, runToStart } from '../jobs/create-job';
import { startRun } from '../runs/start-run';
import { logger } from '../logger';
import { claimDelivery, completeDelivery, failDelivery, findJobOfDelivery, releaseDelivery } from '../store/repositories/deliveries';
import type { DeliveryMessage } from '../ports/delivery-queue';

export type Outcome = 'created' | 'adopted' | 'failed' | 'skipped';

export async function processDelivery(message: DeliveryMessage): Promise<Outcome> {
  const claim = await claimDelivery(message.webhookId, message.deliveryKey);
  if (claim.type === 'skip') return 'skipped';
  const { record, claimedAt } = claim;
  const context = { webhookId: record.webhookId, deliveryKey: record.deliveryKey, organizationId: record.organizationId };

  if (claim.lapsedClaimAt) {
    const jobId = await findJobOfDelivery(record.organizationId, record.deliveryKey, claim.lapsedClaimAt);
    if (jobId !== undefined) {
      // The lapsed attempt created the job and died before saying so. Its run is started by the safety
      // net (the table stream in AWS, reconciliation locally), as for any job handed its workspace.
      await completeDelivery(record, claimedAt, jobId);
      logger.info('webhook delivery adopted the job of a lapsed attempt', { ...context, jobId });
      return 'adopted';
    }
  }

  let created: Awaited<ReturnType<typeof createJob>>;
  try {
    created = await createJob(
      {
        organizationId: record.organizationId,
        workspaceId: record.workspaceId,
        templateReference: record.templateId,
        overrideBranch: record.overrideBranch,
        commitId: record.commitId,
        via: record.via,
        refresh: true,
        refreshOnly: false,
        autoApply: false,
        comments: record.comments,
        createdBy: record.createdBy,
      },
      // The signature was the authentication; the organization only has to still exist.
      { trigger: 'webhook' },
    );
  } catch (error) {
    if (isPermanent(error)) {
      // The rule's template, the workspace or the organization is gone: retrying cannot help.
      await failDelivery(record, claimedAt, error instanceof Error ? error.message : String(error));
      logger.warn('webhook delivery could not create a job', { ...context, error: (error as Error).name, reason: (error as Error).message });
      return 'failed';
    }
    await releaseDelivery(record, claimedAt).catch(() => undefined);
    throw error;
  }
  await completeDelivery(record, claimedAt, created.job.id);
  logger.info('webhook delivery created a job', { ...context, jobId: created.job.id, via: record.via });
  const run = runToStart(created);
  if (run) await startRun(run, createdRun(created));
  return 'created';
}
