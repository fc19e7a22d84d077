/**
 * The resources and special operations the OpenAPI document describes, keyed by the handler folder
 * (resources) or handler module (operations) the route table names. A route whose folder or module is
 * in neither makes the generator throw (test/unit/openapi.test.ts), so no route goes undocumented. The
 * schemas themselves live with each resource (shared/resources/*): add an attribute there.
 */
import { JOB_LIST_QUERY } from '../resources/job-list';
import { JobResource, StepResource } from '../resources/job-documents';
import { JOB_READ_QUERY, JobCreate, JobPatch } from '../resources/jobs';
import { HistoryResource } from '../resources/history';
import * as organizations from '../resources/organizations';
import * as schedules from '../resources/schedules';
import * as teams from '../resources/teams';
import * as templates from '../resources/templates';
import * as variables from '../resources/variables';
import * as webhookEvents from '../resources/webhook-events';
import * as webhooks from '../resources/webhooks';
import * as workspaces from '../resources/workspaces';
import type { OperationDoc, ResourceDoc } from './describe';

const job: ResourceDoc = {
  resource: JobResource,
  create: JobCreate,
  update: JobPatch,
  requestRelationships: { workspace: 'workspace' },
  query: { list: JOB_LIST_QUERY, get: JOB_READ_QUERY },
  tag: 'Jobs',
};

export const RESOURCES: Record<string, ResourceDoc> = {
  organizations: { resource: organizations.OrganizationResource, create: organizations.Create, update: organizations.Update },
  teams: { resource: teams.TeamResource, create: teams.Create, update: teams.Update },
  workspaces: { resource: workspaces.WorkspaceResource, create: workspaces.Create, update: workspaces.Update },
  variables: { resource: variables.VariableResource, create: variables.Create, update: variables.Update },
  templates: { resource: templates.TemplateResource, create: templates.Create, update: templates.Update },
  jobs: job,
  'workspace-jobs': job,
  steps: { resource: StepResource, tag: 'Jobs' },
  webhooks: { resource: webhooks.WebhookResource, create: webhooks.Create, update: webhooks.Update },
  schedules: { resource: schedules.ScheduleResource, create: schedules.Create, update: schedules.Update, tag: 'Workspaces' },
  // Only ever included (workspace include=history): no route of its own.
  history: { resource: HistoryResource, tag: 'Workspaces' },
  'webhook-events': { resource: webhookEvents.WebhookEventResource, create: webhookEvents.Create, update: webhookEvents.Update, tag: 'Webhooks' },
};

const json = (schema: Record<string, unknown> = { type: 'object' }) => ({ 'application/json': schema });

const JSONAPI = 'application/vnd.api+json';
const anyDocument = { type: 'object' };

/** Any body of these media types: for the APIs other clients define (the TFE API v2, GraphQL, the UI's helpers). */
const anyBody = { [JSONAPI]: {}, 'application/json': {}, 'text/plain': { type: 'string' }, 'application/octet-stream': { type: 'string' } };
const loosely = (summary: string, description: string, tag: string, statuses: number[], errors: number[] = [], bodiless = [204, 302, 307]): OperationDoc => ({
  summary,
  description,
  tag,
  errors,
  responses: Object.fromEntries(statuses.map((status) => [status, { description: 'See the description.', ...(bodiless.includes(status) ? {} : { content: anyBody }) }])),
});
const TFE = 'Terraform Cloud/Enterprise API v2, as the terraform CLI (go-tfe) calls it for a `cloud` block; its documents follow HashiCorp\'s API reference, not this document. See the README ("The terraform CLI").';

export const OPERATIONS: Record<string, OperationDoc> = {
  'functions/graphql/post.ts': loosely('GraphQL reads for the Terrakube UI', 'Elide\'s dialect: Relay connections, ids/sort/filter/first/after. Errors are 200 with `errors`, as Elide answers.', 'UI', [200]),
  'functions/permissions/': loosely("The caller's effective team permissions, as the Terrakube UI reads them", 'A flat object of booleans (202, as Terrakube answers), or the caller\'s groups.', 'UI', [200, 202]),
  'functions/context/get.ts': loosely("A job's context (the structured plan and outputs)", '`{}` before there is any.', 'UI', [200]),
  'functions/context/current-state.ts': loosely("A workspace's current raw state", 'A redirect to a short-lived download URL; 404 before the workspace has state.', 'UI', [302], [404]),
  'functions/context/stream.ts': {
    ...loosely("A job's structured views so far, as the run page's live stream", 'One `{phase, changes, jobDiagnostics}` event per recorded phase, then the end.', 'UI', []),
    responses: { 200: { description: 'The events so far.', content: { 'text/event-stream': { type: 'string' } } } },
  },
  'functions/unmodelled/': loosely('A feature this service does not provide', 'Always an empty collection (writes are 405 naming the feature); the IaC version lists are static.', 'UI', [200]),
  'functions/tfe/': loosely('TFE API v2: discovery, organizations, workspaces, state', TFE, 'TFE', [200, 201, 204, 302], [400, 404, 409, 422]),
  'functions/tfe-runs/': loosely('TFE API v2: configuration versions, runs, plans, applies, logs', TFE, 'TFE', [200, 201, 202, 204, 302], [400, 404, 409, 422], [202, 204, 302, 307]),
  'functions/operations/post.ts': {
    summary: 'JSON:API atomic operations',
    description: 'Several adds, updates and removes of the resources under /api/v1 in one request, committed together or not at all (the Terrakube UI creates workspaces and saves webhooks this way). Each operation is checked as its own route would check it.',
    tag: 'Service',
    errors: [400, 403, 404, 409, 415],
    responses: { 200: { description: 'One result per operation, in order.', content: { [JSONAPI]: { type: 'object', required: ['atomic:results'] } } } },
  },
  'functions/workspaces/force-unlock.ts': {
    summary: "Remove a stale lock of the workspace's terraform state",
    tag: 'Workspaces',
    errors: [409],
    responses: { 200: { description: 'The lock that was removed.', content: { [JSONAPI]: anyDocument } } },
  },
  'functions/workspaces/patch-relationship.ts': {
    summary: "Set one of a workspace's links (vcs, ssh, agent, project), JSON:API relationship style",
    tag: 'Workspaces',
    responses: { 200: { description: 'The workspace.', content: { [JSONAPI]: anyDocument } }, 204: { description: 'Set.' } },
  },
  'functions/identity/openid-configuration.ts': {
    summary: 'OpenID discovery of the workload identity issuer',
    description: "What a cloud's OIDC federation (an AWS IAM OIDC provider) reads to trust the tokens steps present: the issuer, its key set's URL, the claims. See the README (\"Cloud credentials for a workspace\").",
    tag: 'Service',
    responses: { 200: { description: 'The discovery document.', content: json({ type: 'object', required: ['issuer', 'jwks_uri'] }) } },
  },
  'functions/identity/jwks.ts': {
    summary: 'Public keys of the workload identity issuer (JWKS)',
    description: 'The RS256 keys that sign the tokens of steps (also at `/.well-known/jwks`, where Terrakube serves them).',
    tag: 'Service',
    responses: { 200: { description: 'The key set.', content: json({ type: 'object', required: ['keys'] }) } },
  },
  'functions/health.ts': {
    summary: 'Liveness probe',
    tag: 'Service',
    responses: { 200: { description: 'The service answers.', content: json({ type: 'object', required: ['status'], properties: { status: { const: 'ok' } } }) } },
  },
  'functions/steps/log.ts': {
    summary: "A step's log so far",
    description: 'The log of a step, as plain text; while the step runs, what it wrote so far. The `output` attribute of a step links here.',
    tag: 'Jobs',
    responses: { 200: { description: 'The log text (empty before the step wrote anything).', content: { 'text/plain': { type: 'string' } } } },
  },
  'functions/steps/stream.ts': {
    summary: "A step's log, live, as Server-Sent Events",
    description: [
      'One `data:` event per log line; its `id:` is the byte offset just past the line. A client that reconnects with `Last-Event-ID`',
      '(or `?lastEventId=`) gets the lines after it. The stream closes when the step has ended and every line was sent.',
      '',
      'Served live by the local server and, in AWS, by a response-streaming Lambda function URL (the stack output `StreamStepLogUrl`;',
      'see the README). API Gateway cannot stream: on the API URL this route answers the events there are now and `retry:`, so an',
      'EventSource client reconnects with Last-Event-ID and reads on.',
    ].join('\n'),
    tag: 'Jobs',
    headers: [{ name: 'Last-Event-ID', description: 'The id of the last event received: the stream resumes after it.' }],
    query: [{ name: 'lastEventId', description: 'Like the Last-Event-ID header, for EventSource clients that cannot set headers.' }],
    responses: { 200: { description: 'The event stream.', content: { 'text/event-stream': { type: 'string' } } } },
  },
  'functions/webhooks/receive.ts': {
    summary: 'Receive a VCS webhook delivery',
    description: 'GitHub, GitLab and Bitbucket deliveries, authenticated by their signature (or GitLab token) against the webhook secret.',
    tag: 'Webhooks',
    errors: [400, 401, 404, 413, 415, 503],
    responses: {
      200: { description: 'Answered without a job (a ping, an ignored event, no matching rule, a duplicate).', content: json() },
      202: { description: 'Accepted: the job of the matching rule is being created.', content: json() },
    },
  },
  'functions/api-docs/openapi.ts': {
    summary: 'This OpenAPI document',
    description: 'Generated from the route table and the resources\' valibot schemas; public, like the API reference page that reads it.',
    tag: 'Service',
    responses: { 200: { description: 'The OpenAPI 3.1 document.', content: json({ type: 'object', required: ['openapi', 'info', 'paths'] }) } },
  },
  'functions/api-docs/page.ts': {
    summary: 'The API reference page',
    tag: 'Service',
    responses: { 200: { description: 'Swagger UI, served from the swagger-ui-dist package (no CDN), reading this document.', content: { 'text/html': { type: 'string' } } } },
  },
  'functions/api-docs/asset.ts': {
    summary: "A file of the API reference page (Swagger UI's scripts and styles)",
    tag: 'Service',
    errors: [404],
    responses: {
      200: {
        description: 'The file.',
        content: { 'text/css': { type: 'string' }, 'text/javascript': { type: 'string' }, 'image/png': { type: 'string', contentMediaType: 'image/png' } },
      },
    },
  },
};
