/**
 * Workspace schedules (Terrakube's `schedule`): a Quartz cron and the template each fire runs, managed
 * with manageWorkspace, read by members, not found for outsiders. `cron` is validated (400 naming it) and
 * stored and answered byte-identical; `nextFireDate` is computed (UTC). Every write also sets the
 * schedule's trigger (EventBridge Scheduler in AWS, a timer under `npm start`): armed, disabled or removed
 * after the record is committed. Served at the UI's path (/organization/{org}/workspace/{ws}/schedule)
 * and at the provider's and terrakube-go's (/workspace/{ws}/schedule), which first reads the workspace
 * for its organization.
 */
import * as v from 'valibot';
import { Invalid, NotFound, pointer } from '../domain/errors';
import { CronError, nextFireTime, parseQuartzCron } from '../domain/quartz-cron';
import type { WorkspaceRecord } from '../domain/records';
import type { ApiRequest, ApiResponse } from '../http/api-handler';
import { bool, optionalText, uuid } from '../http/attributes';
import type { Relationship, ResourceObject } from '../http/jsonapi';
import { AuditAttributes, resourceSchema, timestamp, toOne } from '../http/resource-schema';
import type { ScheduleRecord } from '../schedules/records';
import { readScope } from '../store/repositories/scope';
import {
  listSchedules,
  planCreateSchedule,
  planDeleteSchedule,
  planUpdateSchedule,
  removeSchedulePartition,
  scheduleRef,
} from '../store/repositories/schedules';
import { templateRef } from '../store/repositories/templates';
import { getWorkspace } from '../store/repositories/workspaces';
import { scheduleTrigger } from '../wiring';
import { AUDIT_ATTRIBUTES, auditAttributes, created, newId, now, selfLink, uuidParam } from './common';
import { execute, resource, type Route } from './crud';

// Parsed by `validate`, whose message says what is wrong with it.
const cron = v.pipe(v.string('must be a Quartz cron expression'), v.maxLength(256, 'must be at most 256 characters'));
// Terrakube clients send booleans as "true"/"false" too.
const flag = v.union([bool(), v.pipe(v.picklist(['true', 'false'], 'must be true or false'), v.transform((s) => s === 'true'))], 'must be true or false');
export const Create = v.object({
  cron,
  templateReference: v.nullish(uuid('a template')),
  tcl: v.nullish(v.pipe(v.string('must be a base64-encoded YAML flow'), v.maxLength(200_000, 'is too large'))),
  description: optionalText(1024),
  enabled: v.optional(flag, true),
});
export const Update = v.partial(Create);

/** The detail of a cron that does not parse, naming what is wrong (the schema's check only says that it is). */
function validate(attrs: { cron?: string }): void {
  if (attrs.cron === undefined) return;
  try {
    parseQuartzCron(attrs.cron);
  } catch (e) {
    if (e instanceof CronError) throw new Invalid(`invalid cron: ${e.message}`, pointer('/data/attributes/cron'));
    throw e;
  }
}

export const schedulePath = (s: Pick<ScheduleRecord, 'organizationId' | 'workspaceId' | 'id'>) =>
  `/organization/${s.organizationId}/workspace/${s.workspaceId}/schedule/${s.id}`;

export const ScheduleResource = resourceSchema(
  'schedule',
  {
    cron: v.string(),
    templateReference: v.nullable(v.string()),
    tcl: v.nullable(v.string()),
    description: v.nullable(v.string()),
    enabled: v.boolean(),
    /** The next fire time (UTC); null when disabled or when the cron fires no more. */
    nextFireDate: v.nullable(timestamp()),
    ...AuditAttributes,
  },
  { workspace: toOne('workspace') },
);

export function scheduleResource(req: ApiRequest, s: ScheduleRecord): v.InferOutput<typeof ScheduleResource> {
  const next = s.enabled ? nextFireTime(s.cron, new Date()) : undefined;
  return {
    type: 'schedule',
    id: s.id,
    attributes: {
      cron: s.cron,
      templateReference: s.templateReference,
      tcl: s.tcl,
      description: s.description,
      enabled: s.enabled,
      nextFireDate: next ? next.toISOString() : null,
      ...auditAttributes(s),
    },
    relationships: { workspace: { data: { type: 'workspace' as const, id: s.workspaceId } } },
    links: selfLink(req, schedulePath(s)),
  };
}

/** Attributes the server sets (declared apart: a spread inside resource()'s argument would keep the whole resource in every bundle). */
const READ_ONLY = ['nextFireDate', ...AUDIT_ATTRIBUTES];

const schedules = /* @__PURE__ */ resource({
  type: 'schedule',
  noun: 'schedule',
  parents: [{ param: 'workspaceId', noun: 'workspace' }],
  idParam: 'scheduleId',
  rules: { readOnly: READ_ONLY },
  access: { write: 'manageWorkspace', action: 'managing schedules' },
  repository: {
    // A schedule of another workspace is "not found", like a workspace of another organization.
    load: (ids, id, refs) =>
      readScope({ orgId: ids.orgId as string, workspaceId: ids.workspaceId as string }, id ? scheduleRef(id) : undefined, refs, (s) => s.workspaceId === ids.workspaceId),
    list: (scope) => listSchedules(scope.ids.workspaceId as string),
    create: planCreateSchedule,
    update: (before, _after, changes) => planUpdateSchedule(before, changes),
    remove: planDeleteSchedule,
  },
  render: scheduleResource,
  collectionPath: (ids) => `/organization/${ids.orgId}/workspace/${ids.workspaceId}/schedule`,
});

const references = (ids: Record<string, string>, attrs: { templateReference?: string | null }) => ({
  template: attrs.templateReference ? templateRef(ids.orgId as string, attrs.templateReference) : undefined,
});
const check = (scope: { refs: Record<string, unknown> }, attrs: { templateReference?: string | null }) => {
  if (attrs.templateReference && !scope.refs.template) throw new NotFound(`template ${attrs.templateReference} does not exist in this organization`);
};

const listRoute = /* @__PURE__ */ schedules.list();
const getRoute = /* @__PURE__ */ schedules.get();
const createRoute = /* @__PURE__ */ schedules.create({
  schema: Create,
  validate,
  references,
  check(scope, attrs) {
    check(scope, attrs);
    if (!attrs.templateReference && !attrs.tcl) throw new Invalid('say which flow each fire runs: templateReference (or tcl)', pointer('/data/attributes/templateReference'));
  },
  build: (scope, attrs, audit) => ({
    id: newId(),
    organizationId: scope.ids.orgId as string,
    workspaceId: scope.ids.workspaceId as string,
    cron: attrs.cron,
    templateReference: attrs.templateReference ?? null,
    tcl: attrs.tcl ?? null,
    description: attrs.description ?? null,
    enabled: attrs.enabled,
    ...audit,
  }),
});
const updateRoute = /* @__PURE__ */ schedules.update({ schema: Update, validate, references, check, after: (_before, after) => scheduleTrigger().arm(after) });
const removeRoute = /* @__PURE__ */ schedules.remove({
  // The trigger goes first: from then on nothing fires (and a fire in flight finds the record gone).
  after: async (s) => {
    await scheduleTrigger().remove(s.id);
    await removeSchedulePartition(s.id);
  },
});

/** POST: the record, then its trigger (a create's plan has no `after`: it is armed here). */
async function createAndArm(req: ApiRequest): Promise<ApiResponse> {
  const planned = await createRoute.plan(req);
  const { record } = await execute(planned);
  await scheduleTrigger().arm(record);
  return created(req, scheduleResource(req, record));
}

export { listRoute as list, getRoute as get, createAndArm as create, updateRoute as update, removeRoute as remove };

/** The provider's and terrakube-go's paths (/workspace/{ws}/schedule): the workspace names its organization. */
function viaWorkspace(route: Route): Route {
  return async (req) => {
    const workspaceId = uuidParam(req, 'workspaceId', 'workspace');
    const workspace = await getWorkspace(workspaceId);
    if (!workspace) throw new NotFound(`workspace ${workspaceId} does not exist`);
    return route({ ...req, params: { ...req.params, orgId: workspace.organizationId } });
  };
}

export const workspacePath = {
  list: /* @__PURE__ */ viaWorkspace(listRoute),
  get: /* @__PURE__ */ viaWorkspace(getRoute),
  create: /* @__PURE__ */ viaWorkspace(createAndArm),
  update: /* @__PURE__ */ viaWorkspace(updateRoute),
  remove: /* @__PURE__ */ viaWorkspace(removeRoute),
};

// --- What the workspace resource needs of schedules (its `schedule` relationship, include=schedule, deletes) ---

/** The workspace's `schedule` relationship: where its schedules are (linkage without a read). */
export function scheduleLinkage(workspace: Pick<WorkspaceRecord, 'id' | 'organizationId'>): Relationship {
  return { links: { related: `/api/v1/organization/${workspace.organizationId}/workspace/${workspace.id}/schedule` } };
}

/** include=schedule: the workspace's schedules as resource objects (one Query). */
export async function workspaceSchedules(req: ApiRequest, workspace: Pick<WorkspaceRecord, 'id'>): Promise<ResourceObject[]> {
  return (await listSchedules(workspace.id)).map((s) => scheduleResource(req, s));
}

/** A soft-deleted workspace (Terrakube's `deleted: true`): its schedules are disabled, triggers too. */
export async function disableWorkspaceSchedules(workspace: Pick<WorkspaceRecord, 'id'>): Promise<void> {
  const at = now();
  for (const s of await listSchedules(workspace.id)) {
    if (!s.enabled) continue;
    const after = { ...s, enabled: false, updatedBy: 'system', updatedDate: at };
    await execute({ writes: planUpdateSchedule(s, { enabled: false, updatedBy: after.updatedBy, updatedDate: at }), after: [], result: undefined });
    await scheduleTrigger().arm(after);
  }
}

/** A hard-deleted workspace takes its schedules along: triggers first, then the records and their fire records. */
export async function removeWorkspaceSchedules(workspaceId: string): Promise<void> {
  for (const s of await listSchedules(workspaceId)) {
    await scheduleTrigger().remove(s.id);
    await removeSchedulePartition(s.id);
  }
}
