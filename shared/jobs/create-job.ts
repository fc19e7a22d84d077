/**
 * Creating a job: the one code path behind the REST POSTs (both paths) and VCS webhooks.
 *
 * Round trips: one BatchGetItem (organization, job id counter, workspace, template or the template
 * name guard for `command`), one more GetItem only when the flow comes from the workspace's default
 * template, then one TransactWriteItems that bumps the counter (conditionally on the value read),
 * puts the job and enqueues it on its workspace. A concurrent creation in the same organization makes
 * the counter condition fail; the loop re-reads and retries, so ids stay unique and contiguous.
 */
import { badRequest, notFound, pointer, serviceUnavailable } from '../http/errors';
import { COMMAND_TEMPLATES, type JobCommand } from '../domain/default-templates';
import type { OrganizationRecord, JobRecord, JobVia, WorkspaceRecord } from '../domain/records';
import { indexes, keys } from '../store/keys';
import { ConditionFailed, batchGet, getItem, pick, stripKeys } from '../store/table';
import { conditions, put, update, write } from '../store/writes';
import { enqueueJob } from './queue';

export interface NewJob {
  organizationId: string;
  workspaceId: string;
  templateReference?: string | null;
  tcl?: string | null;
  command?: JobCommand | null;
  overrideBranch?: string | null;
  commitId?: string | null;
  via: JobVia;
  refresh: boolean;
  refreshOnly: boolean;
  autoApply: boolean;
  comments?: string | null;
  createdBy: string;
}

export interface CreatedJob {
  job: JobRecord;
  organization: OrganizationRecord;
  workspace: WorkspaceRecord;
  /** The job that became active through this creation (this one, or an older one): start its run. */
  start?: number;
}

const MAX_ATTEMPTS = 25;

/** `authorize` sees the organization before anything is written (and throws to refuse). */
export async function createJob(request: NewJob, authorize: (org: OrganizationRecord | undefined) => OrganizationRecord): Promise<CreatedJob> {
  const { organizationId: orgId, workspaceId } = request;
  const templateKey = request.templateReference
    ? keys.template(orgId, request.templateReference)
    : !request.tcl && request.command
      ? keys.templateName(orgId, COMMAND_TEMPLATES[request.command])
      : undefined;

  for (let attempt = 1; ; attempt++) {
    const found = await batchGet([
      keys.organization(orgId),
      keys.jobCounter(orgId),
      keys.workspace(workspaceId),
      ...(templateKey ? [templateKey] : []),
    ]);
    const orgItem = pick(found, keys.organization(orgId));
    const organization = authorize(orgItem ? stripKeys<OrganizationRecord>(orgItem) : undefined);
    const wsItem = pick(found, keys.workspace(workspaceId));
    const workspace = wsItem ? stripKeys<WorkspaceRecord>(wsItem) : undefined;
    if (!workspace || workspace.organizationId !== orgId) {
      throw notFound(`workspace ${workspaceId} does not exist in this organization`);
    }
    const templateReference = await resolveTemplate(request, workspace, templateKey ? pick(found, templateKey) : undefined);
    const lastJobId = Number(pick(found, keys.jobCounter(orgId))?.lastJobId ?? 0);
    const at = new Date().toISOString();
    const job: JobRecord = {
      id: lastJobId + 1,
      organizationId: orgId,
      workspaceId,
      status: 'pending',
      templateReference,
      tcl: request.tcl ?? null,
      command: request.command ?? null,
      overrideBranch: request.overrideBranch ?? null,
      commitId: request.commitId ?? null,
      via: request.via,
      refresh: request.refresh,
      refreshOnly: request.refreshOnly,
      autoApply: request.autoApply,
      planChanges: true,
      comments: request.comments ?? null,
      approvalTeam: null,
      output: null,
      terraformPlan: null,
      steps: [],
      createdBy: request.createdBy,
      createdDate: at,
      updatedBy: request.createdBy,
      updatedDate: at,
    };
    const queue = enqueueJob(workspace, job.id);
    try {
      await write([
        update(keys.jobCounter(orgId), { lastJobId: job.id }, {
          condition: { expression: 'attribute_not_exists(lastJobId) OR lastJobId = :prev', values: { ':prev': lastJobId } },
        }),
        put({ ...keys.job(orgId, job.id), ...indexes.job(orgId, workspaceId, job.id, job.status), ...job }, conditions.absent),
        queue.write,
      ]);
      return { job, organization, workspace, start: queue.start };
    } catch (error) {
      // Another job took this id, or the workspace changed (its job ended, it was unlocked): read again.
      if (!(error instanceof ConditionFailed) && (error as { name?: string }).name !== 'TransactionCanceledException') throw error;
      if (attempt >= MAX_ATTEMPTS) throw serviceUnavailable('too many jobs are being created at once; retry shortly', 1);
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(10 * attempt, 100)));
    }
  }
}

/** Contract §3.1: templateReference, else tcl, else command, else the workspace's default template. */
async function resolveTemplate(request: NewJob, workspace: WorkspaceRecord, found: Record<string, unknown> | undefined): Promise<string | null> {
  if (request.templateReference) {
    if (!found) throw notFound(`template ${request.templateReference} does not exist in this organization`);
    return request.templateReference;
  }
  if (request.tcl) return null;
  if (request.command) {
    if (!found) throw notFound(`this organization has no '${COMMAND_TEMPLATES[request.command]}' template for command '${request.command}'`);
    return String(found.owner);
  }
  if (workspace.defaultTemplate) {
    const template = await getItem(keys.template(workspace.organizationId, workspace.defaultTemplate));
    if (!template) throw notFound(`the workspace's default template ${workspace.defaultTemplate} no longer exists`);
    return workspace.defaultTemplate;
  }
  throw conflictNoFlow();
}

const conflictNoFlow = () =>
  badRequest(
    'say which flow to run: templateReference, tcl or command (or give the workspace a defaultTemplate)',
    pointer('/data/attributes/templateReference'),
  );
