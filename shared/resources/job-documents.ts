/** JSON:API rendering of jobs and steps, and the `include` parameter they support. */
import { Invalid, parameter } from '../domain/errors';
import type { ApiRequest } from '../http/api-handler';
import type { ResourceObject } from '../http/jsonapi';
import type { JobRecord, StepRecord } from '../domain/records';
import { auditAttributes, selfLink } from './common';

/** Terrakube's job relationships; `address` (the target addresses as records) is always empty here. */
export const JOB_INCLUDES = ['step', 'workspace', 'organization', 'address'] as const;
export type JobInclude = (typeof JOB_INCLUDES)[number];

export function parseIncludes(req: ApiRequest): Set<JobInclude> {
  const raw = req.query.get('include');
  const result = new Set<JobInclude>();
  if (raw === undefined) return result;
  for (const part of raw.split(',').map((s) => s.trim())) {
    if (!(JOB_INCLUDES as readonly string[]).includes(part)) {
      throw new Invalid(`include '${part}' is not supported (supported: ${JOB_INCLUDES.join(', ')})`, parameter('include'));
    }
    result.add(part as JobInclude);
  }
  return result;
}

export const jobPath = (job: Pick<JobRecord, 'organizationId' | 'id'>) => `/organization/${job.organizationId}/job/${job.id}`;

export function jobAttributes(job: JobRecord): Record<string, unknown> {
  return {
    status: job.status,
    templateReference: job.templateReference,
    tcl: job.tcl,
    command: job.command,
    overrideBranch: job.overrideBranch,
    commitId: job.commitId,
    via: job.via,
    refresh: job.refresh,
    refreshOnly: job.refreshOnly,
    autoApply: job.autoApply,
    planChanges: job.planChanges,
    comments: job.comments,
    approvalTeam: job.approvalTeam,
    targetAddrs: job.targetAddrs ?? [],
    replaceAddrs: job.replaceAddrs ?? [],
    // Set only by Terrakube's own services (VCS pull requests); never by a client here.
    overrideSource: null,
    prNumber: null,
    prCommentError: null,
    output: job.output,
    terraformPlan: job.terraformPlan,
    ...auditAttributes(job),
  };
}

export function jobResource(req: ApiRequest, job: JobRecord, fields?: ReadonlySet<string>): ResourceObject {
  const attributes = jobAttributes(job);
  const relationships = {
    organization: { data: { type: 'organization', id: job.organizationId } },
    workspace: { data: { type: 'workspace', id: job.workspaceId } },
    step: { data: job.steps.map((s) => ({ type: 'step', id: s.id })) },
    address: { data: [] },
  };
  return {
    type: 'job',
    id: String(job.id),
    attributes: fields ? Object.fromEntries(Object.entries(attributes).filter(([k]) => fields.has(k))) : attributes,
    relationships: fields ? Object.fromEntries(Object.entries(relationships).filter(([k]) => fields.has(k))) : relationships,
    links: selfLink(req, jobPath(job)),
  };
}

export function stepResource(req: ApiRequest, job: JobRecord, step: StepRecord): ResourceObject {
  return {
    type: 'step',
    id: step.id,
    attributes: {
      name: step.name,
      stepNumber: step.stepNumber,
      flowType: step.type,
      status: step.status,
      output: step.output ? `${req.baseUrl}${step.output}` : null,
      startedDate: step.startedDate,
      finishedDate: step.finishedDate,
    },
    relationships: { job: { data: { type: 'job', id: String(job.id) } } },
    links: selfLink(req, `${jobPath(job)}/step/${step.id}`),
  };
}
