/**
 * The GraphQL schema in Elide's dialect (what Terrakube's server speaks and its UI sends): root fields
 * named after the JSON:API types, every relationship a Relay connection (to-one included), collection
 * arguments ids/filter/sort/first/after. Read-only: no mutation. Relations the service does not model
 * (tags, projects, access lists, notifications, schedules, history, vcs, agents) answer empty connections.
 */
import {
  GraphQLBoolean,
  GraphQLError,
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
  type GraphQLFieldConfig,
  type GraphQLFieldConfigArgumentMap,
  type GraphQLOutputType,
} from 'graphql';
import type { JobRecord, OrganizationRecord, StepRecord, TeamRecord, TemplateRecord, VariableRecord, WorkspaceRecord } from '../domain/records';
import { SORTS, type Sort } from '../jobs/search/plan';
import { StringOrInt, connectionOf, emptyConnection, paging, toConnection, type Budget, type CollectionArgs } from './connections';
import type { Loaders } from './loaders';

export interface GraphQLContext {
  loaders: Loaders;
  budget: Budget;
}

type Resolver<P> = (parent: P, args: CollectionArgs, ctx: GraphQLContext) => unknown;
type Scalars = Record<string, GraphQLOutputType>;

const S = GraphQLString;
const B = GraphQLBoolean;

const collectionArgs: GraphQLFieldConfigArgumentMap = {
  ids: { type: new GraphQLList(GraphQLString) },
  filter: { type: GraphQLString },
  sort: { type: GraphQLString },
  first: { type: StringOrInt },
  after: { type: StringOrInt },
};

const PageInfo = new GraphQLObjectType({
  name: 'PageInfo',
  fields: { hasPreviousPage: { type: B }, hasNextPage: { type: B }, startCursor: { type: S }, endCursor: { type: S }, totalRecords: { type: GraphQLInt } },
});

const connections = new Map<string, GraphQLObjectType>();
function connection(node: GraphQLObjectType): GraphQLObjectType {
  let type = connections.get(node.name);
  if (!type) {
    const edge = new GraphQLObjectType({ name: `${node.name}Edge`, fields: { node: { type: node }, cursor: { type: S } } });
    type = new GraphQLObjectType({
      name: `${node.name}Connection`,
      fields: { edges: { type: new GraphQLList(edge) }, pageInfo: { type: PageInfo }, totalCount: { type: GraphQLInt } },
    });
    connections.set(node.name, type);
  }
  return type;
}

/** A relationship field: to-many takes the collection arguments, to-one none (as in Elide). */
function rel<P>(target: () => GraphQLObjectType, resolve: Resolver<P> = () => emptyConnection(), toMany = true): () => GraphQLFieldConfig<P, GraphQLContext> {
  return () => ({ type: connection(target()), ...(toMany ? { args: collectionArgs } : {}), resolve: (p, a, c) => resolve(p, a as CollectionArgs, c) });
}

function entity<P>(
  name: string,
  scalars: Scalars,
  relations: () => Record<string, () => GraphQLFieldConfig<P, GraphQLContext>> = () => ({}),
): GraphQLObjectType {
  return new GraphQLObjectType<P, GraphQLContext>({
    name,
    fields: () => ({
      id: { type: new GraphQLNonNull(GraphQLString), resolve: (p) => String((p as { id: unknown }).id) },
      ...Object.fromEntries(Object.entries(scalars).map(([k, type]) => [k, { type }])),
      ...Object.fromEntries(Object.entries(relations()).map(([k, make]) => [k, make()])),
    }),
  });
}

const fieldsOf = (scalars: Scalars) => ['id', ...Object.keys(scalars)];
const asRow = (o: object) => o as Record<string, unknown>;
const audit = { createdBy: S, createdDate: S, updatedBy: S, updatedDate: S };

// ---- modelled types -------------------------------------------------------------------------------

const organizationScalars = { name: S, description: S, executionMode: S, icon: S, disabled: B, ...audit };
type OrgNode = OrganizationRecord & { executionMode?: string; icon?: string | null; disabled?: boolean };
const orgNode = (o: OrganizationRecord): OrgNode => {
  const extra = o as OrgNode;
  return { ...o, executionMode: extra.executionMode ?? 'remote', icon: extra.icon ?? null, disabled: false };
};

const workspaceScalars = {
  name: S,
  description: S,
  source: S,
  branch: S,
  folder: S,
  iacType: S,
  terraformVersion: S,
  locked: B,
  lockDescription: S,
  executionMode: S,
  defaultTemplate: S,
  deleted: B,
  allowRemoteApply: B,
  moduleSshKey: S,
  ...audit,
};
const workspaceView = (w: WorkspaceRecord) => ({
  executionMode: 'remote',
  lockDescription: null,
  deleted: false,
  allowRemoteApply: false,
  moduleSshKey: null,
  ...w,
});

const jobScalars = {
  status: S,
  output: S,
  comments: S,
  commitId: S,
  templateReference: S,
  tcl: S,
  via: S,
  approvalTeam: S,
  overrideBranch: S,
  refresh: B,
  refreshOnly: B,
  planChanges: B,
  autoApply: B,
  terraformPlan: S,
  ...audit,
};
const stepScalars = { name: S, stepNumber: GraphQLInt, status: S, output: S };
const templateScalars = { name: S, description: S, version: S, tcl: S, ...audit };
const teamScalars = {
  name: S,
  manageState: B,
  manageWorkspace: B,
  manageModule: B,
  manageProvider: B,
  manageVcs: B,
  manageTemplate: B,
  manageCollection: B,
  manageJob: B,
  planJob: B,
  approveJob: B,
  ...audit,
};
const teamView = (t: TeamRecord) => ({
  manageState: false,
  manageModule: false,
  manageProvider: false,
  manageVcs: false,
  manageCollection: false,
  planJob: t.manageJob,
  approveJob: t.manageJob,
  ...t,
});
const variableScalars = { key: S, value: S, category: S, sensitive: B, hcl: B, description: S, ...audit };
/** A sensitive value is never readable, here as in REST. */
const variableView = (x: VariableRecord) => ({ ...x, value: x.sensitive ? null : x.value });

// ---- not modelled: empty connections, but the fields exist so the UI's queries validate ---------------

const Tag = entity('tag', { name: S });
const WorkspaceTag = entity('workspacetag', { tagId: S });
const Access = entity('access', { name: S, role: S, manageWorkspace: B, manageState: B, manageJob: B, planJob: B, approveJob: B });
const ProjectAccess = entity('projectAccess', { name: S, role: S, manageWorkspace: B, manageState: B, manageJob: B, planJob: B, approveJob: B });
const Schedule = entity('schedule', { cron: S, templateReference: S, tcl: S, description: S, enabled: B });
const History = entity('history', { output: S, jobReference: S, serial: GraphQLInt, md5: S, lineage: S, ...audit });
const Vcs = entity('vcs', { name: S, description: S, vcsType: S, connectionType: S, status: S, clientId: S, endpoint: S, apiUrl: S });
const Agent = entity('agent', { name: S, url: S, description: S });
const Ssh = entity('ssh', { name: S, description: S, sshType: S });
const Webhook = entity('webhook', { remoteHookId: S, migratedV2: B });
const WebhookEvent = entity('webhook_event', { priority: GraphQLInt, event: S, branch: S, path: S, pathType: S, templateId: S });
const Action = entity('action', { name: S, type: S, label: S, category: S, version: S, description: S, displayCriteria: S, action: S, active: B });
const Reference = entity('reference', { description: S });
const NotificationTrigger = entity('notification_trigger', { jobStatus: S });
const NotificationTemplate = entity('notification_template', { name: S });
const Project: GraphQLObjectType = entity('project', { name: S, description: S }, () => ({
  projectAccess: rel(() => ProjectAccess),
  workspace: rel(() => Workspace),
}));
const NotificationConfiguration: GraphQLObjectType = entity(
  'notification_configuration',
  { name: S, description: S, channelType: S, destinationUrl: S, active: B, messageStyle: S },
  () => ({
    workspace: rel(() => Workspace, undefined, false),
    triggers: rel(() => NotificationTrigger),
    templates: rel(() => NotificationTemplate),
  }),
);

// ---- modelled types with their relationships ------------------------------------------------------

const Step = entity<StepRecord>('step', stepScalars);

const Template = entity<TemplateRecord>('template', templateScalars);
const Team = entity<TeamRecord>('team', teamScalars);
const Variable = entity<VariableRecord>('variable', variableScalars);

const JOB_SORTS = SORTS as readonly string[];

async function jobConnection(scope: { organizationId: string; workspaceId?: string }, args: CollectionArgs, ctx: GraphQLContext) {
  const { offset, limit } = paging(args);
  const sort = (args.sort ?? 'id').trim();
  if (!JOB_SORTS.includes(sort)) throw new GraphQLError(`sort: '${sort}' is not supported for jobs (supported: ${SORTS.join(', ')})`);
  const ids = args.ids?.map(Number).filter((n) => Number.isSafeInteger(n) && n > 0);
  const idFilter = ids ? `id=in=(${ids.length ? ids.join(',') : '0'})` : undefined;
  if (ids && ids.length === 0) return toConnection([], offset, false, 0, ctx.budget);
  const filter =
    [args.filter, idFilter]
      .filter((f) => f && f.trim())
      .map((f) => `(${f})`)
      .join(';') || undefined;
  const page = await ctx.loaders.jobs(scope, { filter, sort: sort as Sort, offset, limit });
  return toConnection(page.jobs, offset, page.more, null, ctx.budget);
}

const Job: GraphQLObjectType = entity<JobRecord>('job', jobScalars, () => ({
  step: rel<JobRecord>(
    () => Step,
    (j, a, c) => connectionOf(j.steps, a, c.budget, asRow, fieldsOf(stepScalars)),
  ),
  workspace: rel<JobRecord>(
    () => Workspace,
    async (j, a, c) => connectionOf(await c.loaders.workspaces([j.workspaceId]), a, c.budget, workspaceView, fieldsOf(workspaceScalars)),
    false,
  ),
  organization: rel<JobRecord>(
    () => Organization,
    async (j, a, c) => connectionOf((await c.loaders.organizations([j.organizationId])).map(orgNode), a, c.budget, asRow, fieldsOf(organizationScalars)),
    false,
  ),
}));

const Workspace: GraphQLObjectType = new GraphQLObjectType<WorkspaceRecord, GraphQLContext>({
  name: 'workspace',
  fields: () => ({
    id: { type: new GraphQLNonNull(GraphQLString) },
    ...Object.fromEntries(Object.entries(workspaceScalars).map(([k, type]) => [k, { type, resolve: (w: WorkspaceRecord) => asRow(workspaceView(w))[k] }])),
    // From the workspace's newest job (one keyed Query per workspace, memoized per request).
    lastJobStatus: { type: S, resolve: async (w, _a, c) => (await c.loaders.latestJob(w))?.status ?? null },
    lastJobDate: { type: S, resolve: async (w, _a, c) => (await c.loaders.latestJob(w))?.date ?? null },
    job: rel<WorkspaceRecord>(
      () => Job,
      (w, a, c) => jobConnection({ organizationId: w.organizationId, workspaceId: w.id }, a, c),
    )(),
    variable: rel<WorkspaceRecord>(
      () => Variable,
      async (w, a, c) => connectionOf((await c.loaders.variablesOf(w.id)).map(variableView), a, c.budget, asRow, fieldsOf(variableScalars)),
    )(),
    organization: rel<WorkspaceRecord>(
      () => Organization,
      async (w, a, c) => connectionOf((await c.loaders.organizations([w.organizationId])).map(orgNode), a, c.budget, asRow, fieldsOf(organizationScalars)),
      false,
    )(),
    workspaceTag: rel(() => WorkspaceTag)(),
    project: rel(() => Project, undefined, false)(),
    access: rel(() => Access)(),
    schedule: rel(() => Schedule)(),
    history: rel(() => History)(),
    vcs: rel(() => Vcs, undefined, false)(),
    agent: rel(() => Agent, undefined, false)(),
    ssh: rel(() => Ssh, undefined, false)(),
    webhook: rel(() => Webhook, undefined, false)(),
    reference: rel(() => Reference)(),
  }),
});

const Organization: GraphQLObjectType = entity<OrgNode>('organization', organizationScalars, () => ({
  workspace: rel<OrgNode>(
    () => Workspace,
    async (o, a, c) => connectionOf(await c.loaders.workspacesOf(o.id), a, c.budget, workspaceView, fieldsOf(workspaceScalars)),
  ),
  job: rel<OrgNode>(
    () => Job,
    (o, a, c) => jobConnection({ organizationId: o.id }, a, c),
  ),
  template: rel<OrgNode>(
    () => Template,
    async (o, a, c) => connectionOf(await c.loaders.templatesOf(o.id), a, c.budget, asRow, fieldsOf(templateScalars)),
  ),
  team: rel<OrgNode>(
    () => Team,
    async (o, a, c) => connectionOf((await c.loaders.teamsOf(o.id)).map(teamView), a, c.budget, asRow, fieldsOf(teamScalars)),
  ),
  tag: rel(() => Tag),
  project: rel(() => Project),
  notificationConfiguration: rel(() => NotificationConfiguration),
  vcs: rel(() => Vcs),
  ssh: rel(() => Ssh),
  agent: rel(() => Agent),
  globalvar: rel(() => Variable),
  collection: rel(() => Reference),
}));

type Root = Record<string, never>;

async function allMine<T>(ctx: GraphQLContext, each: (orgId: string) => Promise<T[]>): Promise<T[]> {
  const orgs = await ctx.loaders.myOrganizations();
  return (await Promise.all(orgs.map((o) => each(o.id)))).flat();
}

const emptyRoot = (type: GraphQLObjectType) => rel<Root>(() => type)();

export const schema = new GraphQLSchema({
  query: new GraphQLObjectType<Root, GraphQLContext>({
    name: 'Query',
    fields: () => ({
      organization: rel<Root>(
        () => Organization,
        async (_r, a, c) => {
          const orgs = a.ids ? await c.loaders.organizations(a.ids) : await c.loaders.myOrganizations();
          return connectionOf(orgs.map(orgNode), a, c.budget, asRow, fieldsOf(organizationScalars));
        },
      )(),
      workspace: rel<Root>(
        () => Workspace,
        async (_r, a, c) => {
          const list = a.ids ? await c.loaders.workspaces(a.ids) : await allMine(c, (org) => c.loaders.workspacesOf(org));
          return connectionOf(list, a, c.budget, workspaceView, fieldsOf(workspaceScalars));
        },
      )(),
      template: rel<Root>(
        () => Template,
        async (_r, a, c) => connectionOf(await allMine(c, (org) => c.loaders.templatesOf(org)), a, c.budget, asRow, fieldsOf(templateScalars)),
      )(),
      project: emptyRoot(Project),
      webhook: emptyRoot(Webhook),
      webhook_event: emptyRoot(WebhookEvent),
      notification_configuration: emptyRoot(NotificationConfiguration),
      notification_trigger: emptyRoot(NotificationTrigger),
      action: emptyRoot(Action),
      reference: emptyRoot(Reference),
    }),
  }),
});
