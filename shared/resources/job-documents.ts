/** JSON:API rendering of jobs and steps, and the `include` parameter they support. */
import * as v from 'valibot';
import { COMMAND_TEMPLATES } from '../domain/default-templates';
import { Invalid, parameter } from '../domain/errors';
import { FLOW_TYPES } from '../domain/flow';
import { JOB_STATUSES, STEP_STATUSES } from '../domain/job-status';
import { JOB_VIA, type JobRecord, type StepRecord } from '../domain/records';
import type { ApiRequest } from '../http/api-handler';
import type { ResourceObject } from '../http/jsonapi';
import { AuditAttributes, resourceSchema, timestamp, toMany, toOne } from '../http/resource-schema';
import { auditAttributes, selfLink } from './common';

const nullableString = () => v.nullable(v.string());

/** A job as returned (with `fields[job]`, only the named attributes and relationships). */
export const JobResource = resourceSchema(
  'job',
  {
    status: v.picklist(JOB_STATUSES),
    templateReference: nullableString(),
    tcl: nullableString(),
    command: v.nullable(v.picklist(Object.keys(COMMAND_TEMPLATES) as (keyof typeof COMMAND_TEMPLATES)[])),
    overrideBranch: nullableString(),
    commitId: nullableString(),
    via: v.picklist(JOB_VIA),
    refresh: v.boolean(),
    refreshOnly: v.boolean(),
    autoApply: v.boolean(),
    planChanges: v.boolean(),
    comments: nullableString(),
    approvalTeam: nullableString(),
    targetAddrs: v.array(v.string()),
    replaceAddrs: v.array(v.string()),
    overrideSource: v.null(),
    prNumber: v.null(),
    prCommentError: v.null(),
    output: nullableString(),
    terraformPlan: nullableString(),
    ...AuditAttributes,
  },
  { organization: toOne('organization'), workspace: toOne('workspace'), step: toMany('step'), address: toMany('address') },
);

export const StepResource = resourceSchema(
  'step',
  {
    name: v.string(),
    stepNumber: v.number(),
    flowType: v.picklist(FLOW_TYPES),
    status: v.picklist(STEP_STATUSES),
    /** The URL of the step's log, once its run dispatched it. */
    output: nullableString(),
    startedDate: v.nullable(timestamp()),
    finishedDate: v.nullable(timestamp()),
  },
  { job: toOne('job') },
);

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

export function jobAttributes(job: JobRecord): v.InferOutput<typeof JobResource>['attributes'] {
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

export function stepResource(req: ApiRequest, job: JobRecord, step: StepRecord): v.InferOutput<typeof StepResource> {
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
