/**
 * Creating a job: the one code path behind the REST POSTs (both paths) and VCS webhooks.
 *
 * Round trips: one BatchGetItem (organization, workspace, and the template or the template name guard
 * for `command`; one more GetItem only when the flow comes from the workspace's default template), one
 * UpdateItem that reserves the job id (atomic ADD on the organization's counter, so ids are unique and
 * contiguous without contention), and one TransactWriteItems that puts the job, joins it to its
 * workspace queue and moves the organization's commit watermark from id-1 to id.
 *
 * The watermark (commit-watermark.ts) makes jobs commit in id order, so they join their workspace in id
 * order and run oldest first even when created at the same instant. A creation waits (briefly,
 * re-trying its conditional write) only for the creations just before it; a failed or dead one leaves
 * a gap, never a blocked organization.
 */
import { COMMAND_TEMPLATES, type JobCommand } from '../domain/default-templates';
import { Invalid, NotFound, pointer } from '../domain/errors';
import { authorize, type JobCreator } from '../domain/permissions';
import type { CliRun, JobRecord, JobVia, OrganizationRecord, WorkspaceRecord } from '../domain/records';
import { joinMode, type JoinMode } from '../domain/workspace-queue';
import { planPutJob } from '../store/repositories/jobs';
import { organizationRef } from '../store/repositories/organizations';
import { getTemplate, templateIdByNameRef, templateRef } from '../store/repositories/templates';
import { changeQueue, joinWrite } from '../store/repositories/workspace-queue';
import { getWorkspace, workspaceRef } from '../store/repositories/workspaces';
import { commit, ConditionFailed, readTogether, type TxItem } from '../store/repositories/batch';
import { CommitWatermark, reserveJobId } from './commit-watermark';
import { withKeyLock } from './keyed-lock';
import { jobMetrics } from '../observability/metrics';

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
  targetAddrs?: string[];
  replaceAddrs?: string[];
  createdBy: string;
  /**
   * Writes committed in the job's own transaction (a schedule's fire record): when one's condition
   * fails, no job is created and its error is raised. Each must name its error (onConditionFailed).
   */
  alsoWrite?: TxItem[];
  /** A run of the terraform CLI: it brings its configuration, so its workspace needs no source. */
  cli?: CliRun;
}

export interface CreatedJob {
  job: JobRecord;
  organization: OrganizationRecord;
  workspace: WorkspaceRecord;
  /** The job that became active through this creation (this one, or an older one): start its run. */
  start?: number;
}

/** The creator is authorized against the organization before anything is written. */
export async function createJob(request: NewJob, creator: JobCreator): Promise<CreatedJob> {
  const { organizationId: orgId, workspaceId } = request;
  const byCommand = !request.templateReference && !request.tcl && request.command ? COMMAND_TEMPLATES[request.command] : undefined;
  const found = await readTogether({
    organization: organizationRef(orgId),
    workspace: workspaceRef(workspaceId),
    template: request.templateReference ? templateRef(orgId, request.templateReference) : undefined,
    templateIdByName: byCommand ? templateIdByNameRef(orgId, byCommand) : undefined,
  });
  const organization = authorize.createJob(creator, found.organization, orgId);
  const workspace = found.workspace;
  if (!workspace || workspace.organizationId !== orgId || workspace.deleted) throw new NotFound(`workspace ${workspaceId} does not exist in this organization`);
  if (!workspace.source && !request.cli) {
    throw new Invalid('the workspace has no source: its runs come from the terraform CLI (give it a source to run jobs from git)', pointer('/data/relationships/workspace'));
  }
  const templateReference = await resolveTemplate(request, workspace, found.template !== undefined, found.templateIdByName);

  return withKeyLock(`jobs:${orgId}`, () => commitJob(request, organization, workspace, templateReference));
}

async function commitJob(request: NewJob, organization: OrganizationRecord, observed: WorkspaceRecord, templateReference: string | null): Promise<CreatedJob> {
  const { organizationId: orgId, workspaceId } = request;
  const workspace = newest(observed, recentlyWritten.get(workspaceId));
  const id = await reserveJobId(orgId);
  const at = new Date().toISOString();
  const job: JobRecord = {
    id,
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
    targetAddrs: request.targetAddrs ?? [],
    replaceAddrs: request.replaceAddrs ?? [],
    output: null,
    terraformPlan: null,
    steps: [],
    ...(request.cli ? { cli: request.cli } : {}),
    createdBy: request.createdBy,
    createdDate: at,
    updatedBy: request.createdBy,
    updatedDate: at,
  };
  const watermark = new CommitWatermark(orgId, id);
  try {
    return await commitWithWatermark(watermark, [planPutJob(job), ...(request.alsoWrite ?? [])], { job, organization, workspace, workspaceId });
  } catch (error) {
    // Release the reserved id at once, so the next creation does not wait for it to stall.
    await watermark.abandon();
    throw error;
  }
}

async function commitWithWatermark(
  watermark: CommitWatermark,
  [jobPut, ...alsoWrite]: [TxItem, ...TxItem[]],
  context: { job: JobRecord; organization: OrganizationRecord; workspace: WorkspaceRecord; workspaceId: string },
): Promise<CreatedJob> {
  const { job, organization, workspaceId } = context;
  const id = job.id;
  let workspace = context.workspace;
  for (let attempt = 1; ; attempt++) {
    const mode = joinMode(workspace);
    try {
      await commit([watermark.advance(), jobPut, joinWrite(workspaceId, id, mode, { status: job.status, at: job.createdDate }), ...alsoWrite]);
      jobMetrics.created(job);
      remember(workspace, id, mode);
      if (mode === 'claim') return { job, organization, workspace, start: id };
      const start = mode === 'append-and-settle' ? await changeQueue(workspaceId) : undefined;
      return { job, organization, workspace, start };
    } catch (error) {
      if (!(error instanceof ConditionFailed) || error.index === 1 || error.index > 2 || attempt >= 500) throw error;
      if (error.index === 0) {
        // An earlier creation has not committed yet: wait for it (or skip it if its creator died).
        await watermark.waitForTurn();
        continue;
      }
      // The workspace changed between the read and the write (freed, claimed, locked): read it again.
      const fresh = await getWorkspace(workspaceId);
      if (!fresh || fresh.deleted) throw new NotFound(`workspace ${workspaceId} does not exist in this organization`);
      workspace = fresh;
    }
  }
}

/**
 * What this process last wrote to a workspace's queue: the next creation in line starts from it rather
 * than from its own older read (a hint only; the write conditions decide).
 */
const recentlyWritten = new Map<string, WorkspaceRecord>();

function remember(workspace: WorkspaceRecord, jobId: number, mode: JoinMode): void {
  const version = (workspace.queueVersion ?? 0) + 1;
  const next: WorkspaceRecord =
    mode === 'claim'
      ? { ...workspace, activeJob: jobId, queueVersion: version }
      : { ...workspace, queue: [...(workspace.queue ?? []), jobId], queueVersion: version };
  recentlyWritten.set(workspace.id, next);
  if (recentlyWritten.size > 1000) recentlyWritten.delete(recentlyWritten.keys().next().value as string);
}

const newest = (read: WorkspaceRecord, hint: WorkspaceRecord | undefined) =>
  hint && (hint.queueVersion ?? 0) > (read.queueVersion ?? 0)
    ? { ...read, activeJob: hint.activeJob, queue: hint.queue, queueVersion: hint.queueVersion }
    : read;

/** Contract §3.1: templateReference, else tcl, else command, else the workspace's default template. */
async function resolveTemplate(
  request: NewJob,
  workspace: WorkspaceRecord,
  templateFound: boolean,
  templateIdByName: string | undefined,
): Promise<string | null> {
  if (request.templateReference) {
    if (!templateFound) throw new NotFound(`template ${request.templateReference} does not exist in this organization`);
    return request.templateReference;
  }
  if (request.tcl) return null;
  if (request.command) {
    if (!templateIdByName) throw new NotFound(`this organization has no '${COMMAND_TEMPLATES[request.command]}' template for command '${request.command}'`);
    return templateIdByName;
  }
  if (workspace.defaultTemplate) {
    if (!(await getTemplate(workspace.organizationId, workspace.defaultTemplate)))
      throw new NotFound(`the workspace's default template ${workspace.defaultTemplate} no longer exists`);
    return workspace.defaultTemplate;
  }
  throw new Invalid(
    'say which flow to run: templateReference, tcl or command (or give the workspace a defaultTemplate)',
    pointer('/data/attributes/templateReference'),
  );
}
