/**
 * Creating a job: the one code path behind the REST POSTs (both paths) and VCS webhooks.
 *
 * Round trips: one BatchGetItem (organization, workspace, the organization's job id counter, and the
 * template or the template name guard for `command`; one more GetItem only when the flow comes from the
 * workspace's default template) and one TransactWriteItems that puts the job, joins it to its workspace
 * queue and takes the next id on the counter (reserved and committed at once, conditional on the counter
 * being as read). When another creation holds a reserved id (or the counter moved meanwhile), one
 * UpdateItem reserves the id first (atomic ADD, so ids are unique and contiguous without contention)
 * and the transaction moves the organization's commit watermark from id-1 to id.
 *
 * The watermark (commit-watermark.ts) makes jobs commit in id order, so they join their workspace in id
 * order and run oldest first even when created at the same instant. A creation waits (briefly,
 * re-trying its conditional write) only for the creations just before it; a failed or dead one leaves
 * a gap, never a blocked organization. Creations of one organization that arrive together in one process
 * share the reservation and the transaction (commit-jobs.ts: group commit).
 */
import type { CreatedRun, RunRef } from '../ports/run-control';
import { COMMAND_TEMPLATES, type JobCommand } from '../domain/default-templates';
import { Invalid, NotFound, pointer } from '../domain/errors';
import { authorize, type JobCreator } from '../domain/permissions';
import type { CliRun, JobRecord, JobVia, OrganizationRecord, TemplateRecord, WorkspaceRecord } from '../domain/records';
import { organizationRef } from '../store/repositories/organizations';
import { getTemplate, templateIdByNameRef, templateRef } from '../store/repositories/templates';
import { workspaceRef } from '../store/repositories/workspaces';
import { readTogether, type TxItem } from '../store/repositories/batch';
import { commitJobs } from './commit-jobs';
import { jobCounterRef } from '../store/repositories/job-ids';

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
  /** The template the job's flow comes from, as the creation read it (when it read one). */
  template?: TemplateRecord;
}

/** The run to start after a creation, if any: with the created job's workspace and template when it is that job's run. */
export function runToStart({ job, start }: CreatedJob): RunRef | undefined {
  if (start === undefined) return undefined;
  const run: RunRef = { organizationId: job.organizationId, jobId: start };
  return start === job.id ? { ...run, workspaceId: job.workspaceId, templateReference: job.templateReference } : run;
}

/** The created job handed to its own run, when the creation made it active (ports/run-control.ts CreatedRun). */
export function createdRun({ job, start, template }: CreatedJob): CreatedRun | undefined {
  if (start !== job.id) return undefined;
  return template?.id === job.templateReference ? { job, template, holdsWorkspace: true } : { job, holdsWorkspace: true };
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
    counter: jobCounterRef(orgId),
  });
  const organization = authorize.createJob(creator, found.organization, orgId);
  const workspace = found.workspace;
  if (!workspace || workspace.organizationId !== orgId || workspace.deleted) throw new NotFound(`workspace ${workspaceId} does not exist in this organization`);
  if (!workspace.source && !request.cli) {
    throw new Invalid(
      'the workspace has no source: its runs come from the terraform CLI (give it a source to run jobs from git)',
      pointer('/data/relationships/workspace'),
    );
  }
  const { templateReference, template } = await resolveTemplate(request, workspace, found.template, found.templateIdByName);
  const created = await commitJobs({ request, organization, workspace, templateReference, counter: found.counter });
  return template ? { ...created, template } : created;
}

/** Contract §3.1: templateReference, else tcl, else command, else the workspace's default template. */
async function resolveTemplate(
  request: NewJob,
  workspace: WorkspaceRecord,
  found: TemplateRecord | undefined,
  templateIdByName: string | undefined,
): Promise<{ templateReference: string | null; template?: TemplateRecord }> {
  if (request.templateReference) {
    if (!found) throw new NotFound(`template ${request.templateReference} does not exist in this organization`);
    return { templateReference: request.templateReference, template: found };
  }
  if (request.tcl) return { templateReference: null };
  if (request.command) {
    if (!templateIdByName) throw new NotFound(`this organization has no '${COMMAND_TEMPLATES[request.command]}' template for command '${request.command}'`);
    return { templateReference: templateIdByName };
  }
  if (workspace.defaultTemplate) {
    const template = await getTemplate(workspace.organizationId, workspace.defaultTemplate);
    if (!template) throw new NotFound(`the workspace's default template ${workspace.defaultTemplate} no longer exists`);
    return { templateReference: workspace.defaultTemplate, template };
  }
  throw new Invalid(
    'say which flow to run: templateReference, tcl or command (or give the workspace a defaultTemplate)',
    pointer('/data/attributes/templateReference'),
  );
}
