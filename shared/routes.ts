/**
 * THE route table: every HTTP route, the function module that serves it, and what that function may
 * touch. The CDK API construct creates one Lambda per entry and the local server dispatches to the
 * same modules from this same list, so the two can never disagree.
 */
export type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** What a function needs, turned into least-privilege IAM grants by the CDK stack. */
export type Access =
  | 'table:read'
  | 'table:write'
  /** Start the run of a job that became active (creating a job, unlocking a workspace). */
  | 'runs:start'
  /** Start, stop and resume runs (cancel, approve, reject: then the next job starts). */
  | 'runs:control'
  | 'logs:read'
  | 'logs:delete'
  /** Seal webhook secrets (KMS Encrypt): creating and rotating webhooks. */
  | 'webhooks:seal'
  /** Open webhook secrets (KMS Decrypt) and hand accepted deliveries to the processor (Lambda InvokeFunction, asynchronous). */
  | 'webhooks:receive'
  /** Read and remove a workspace's terraform state lock (force-unlock). */
  | 'state:unlock'
  /** Create, update and delete the EventBridge Scheduler schedules of workspace schedules (and pass their role). */
  | 'schedules:manage'
  /** Read workspace state versions and their outputs; sign download URLs for them. */
  | 'state:read'
  /** Write state version outputs; sign upload URLs for state versions. */
  | 'state:write'
  /** Sign upload URLs for the configurations the terraform CLI uploads, and see whether they arrived. */
  | 'configurations:upload'
  /** Read the public key of the workload identity signing key (KMS GetPublicKey), for the JWKS. */
  | 'identity:publish';

export interface RouteDef {
  method: Method;
  /** API Gateway HTTP API route path (path parameters in braces). */
  path: string;
  /** Module (relative to the repository root) exporting `handler`. */
  handler: string;
  /** `bearer`: the authorizer verifies the token first. `none`: public (health, VCS webhooks). */
  auth: 'bearer' | 'none';
  access: Access[];
  /** Function name in the stack when the path alone does not make a good one. */
  name?: string;
  /** Why a route with `auth: 'none'` may be public (recorded as the cdk-nag acknowledgement). */
  publicReason?: string;
  /**
   * `stream`: the answer is an event stream (text/event-stream). API Gateway HTTP APIs cannot stream,
   * so CDK serves it live from a response-streaming function URL (the module's `handler`, which
   * verifies the bearer token itself) and gives the API Gateway route the module's `snapshot` handler
   * (the events so far, then `retry:`); the local server streams it live.
   */
  transport?: 'stream';
  /**
   * Files of npm packages the function reads at run time (e.g. `swagger-ui-dist/swagger-ui.css`): CDK
   * copies them into its code asset under node_modules/, where Node's resolution finds them as it does here.
   */
  packageFiles?: readonly string[];
  /** A read-only, always empty collection of a feature the service does not provide: the fallback's 405 names it. */
  notProvided?: string;
}

const R = (method: Method, path: string, handler: string, access: Access[], auth: 'bearer' | 'none' = 'bearer'): RouteDef => ({
  method,
  path,
  handler: `functions/${handler}.ts`,
  auth,
  access,
});

const read: Access[] = ['table:read'];
const readWrite: Access[] = ['table:read', 'table:write'];
const startsRuns: Access[] = [...readWrite, 'runs:start'];
const controlsRuns: Access[] = [...readWrite, 'runs:control'];
const deletesJobs: Access[] = [...readWrite, 'logs:delete'];
const sealsSecrets: Access[] = [...readWrite, 'webhooks:seal'];
const managesSchedules: Access[] = [...readWrite, 'schedules:manage'];
const schedules = { post: managesSchedules, patch: managesSchedules, delete: managesSchedules };

/** CRUD routes of one collection: list, create, get, update, delete, each with the access it needs. */
function crud(collection: string, idParam: string, dir: string, access: Partial<Record<'post' | 'patch' | 'delete', Access[]>> = {}): RouteDef[] {
  const member = `${collection}/{${idParam}}`;
  return [
    R('GET', collection, `${dir}/list`, read),
    R('POST', collection, `${dir}/post`, access.post ?? readWrite),
    R('GET', member, `${dir}/get`, read),
    R('PATCH', member, `${dir}/patch`, access.patch ?? readWrite),
    R('DELETE', member, `${dir}/delete`, access.delete ?? readWrite),
  ];
}
/** An always empty, read-only collection the UI reads (resources/unmodelled.ts). */
const notProvided = (collection: string, feature: string): RouteDef[] => [{ ...R('GET', collection, 'unmodelled/list', read), notProvided: feature }];
const jobs = { post: startsRuns, patch: controlsRuns, delete: deletesJobs };

const API = '/api/v1';
const DOCS_ARE_PUBLIC =
  'The API description and its reference page: they describe the routes and hold no data, and they must load before a user has entered a token (the page fetches the document first).';
const IDENTITY_IS_PUBLIC =
  "OpenID discovery and the public signing keys of workload identity tokens: a cloud's OIDC federation (AWS IAM) fetches them without credentials; they hold no data.";
/** What the API reference page (Swagger UI, from the swagger-ui-dist package) is made of. */
export const API_REFERENCE_FILES = ['swagger-ui.css', 'swagger-ui-bundle.js', 'favicon-32x32.png', 'favicon-16x16.png'] as const;
const ORG = `${API}/organization/{orgId}`;

const V2 = '/api/v2';
const tfe = (method: Method, path: string, handler: string, name: string, access: Access[], auth: 'bearer' | 'none' = 'bearer', publicReason?: string): RouteDef => ({
  ...R(method, `${path.startsWith('/') ? '' : `${V2}/`}${path}`, handler, access, auth),
  name: `Tfe${name}`,
  ...(publicReason ? { publicReason } : {}),
});
const readsState: Access[] = ['table:read', 'state:read'];
const writesState: Access[] = ['table:read', 'table:write', 'state:read', 'state:write'];
const uploadsConfigurations: Access[] = [...readWrite, 'configurations:upload'];

/**
 * The TFE API v2 the terraform CLI's `cloud` block speaks (shared/tfe): discovery, organizations by
 * name, workspaces, configuration versions, runs (which are jobs), their plans, applies and logs, and
 * state versions. Paths and names as go-tfe calls them.
 */
export const TFE_ROUTES: readonly RouteDef[] = [
  tfe('GET', '/.well-known/terraform.json', 'tfe/discovery', 'Discovery', [], 'none', 'Terraform service discovery: a constant document naming the API base paths; it reads no data.'),
  tfe('GET', 'ping', 'tfe/ping', 'Ping', [], 'none', 'terraform reads only the API version headers of this answer; it is a constant and reads no data.'),
  tfe('GET', '/api/terraform/motd', 'tfe/motd', 'Motd', [], 'none', "terraform login's message of the day: a constant that reads no data."),
  tfe('GET', 'account/details', 'tfe/account', 'GetAccount', []),
  tfe('GET', 'organizations/{organization}', 'tfe/organization', 'GetOrganization', read),
  tfe('GET', 'organizations/{organization}/entitlement-set', 'tfe/entitlements', 'GetEntitlements', read),
  tfe('GET', 'organizations/{organization}/workspaces', 'tfe/workspaces-list', 'ListWorkspaces', read),
  tfe('POST', 'organizations/{organization}/workspaces', 'tfe/workspaces-post', 'CreateWorkspace', readWrite),
  tfe('GET', 'organizations/{organization}/workspaces/{workspaceName}', 'tfe/workspace-by-name', 'GetWorkspaceByName', read),
  tfe('GET', 'workspaces/{workspaceTfeId}', 'tfe/workspace-get', 'GetWorkspace', read),
  tfe('PATCH', 'workspaces/{workspaceTfeId}', 'tfe/workspace-patch', 'UpdateWorkspace', readWrite),
  tfe('POST', 'workspaces/{workspaceTfeId}/actions/lock', 'tfe/workspace-lock', 'LockWorkspace', readWrite),
  // Unlocking starts the workspace's oldest waiting job.
  tfe('POST', 'workspaces/{workspaceTfeId}/actions/unlock', 'tfe/workspace-unlock', 'UnlockWorkspace', startsRuns),
  tfe('POST', 'workspaces/{workspaceTfeId}/actions/force-unlock', 'tfe/workspace-force-unlock', 'ForceUnlockWorkspace', startsRuns),
  tfe('GET', 'workspaces/{workspaceTfeId}/vars', 'tfe/workspace-vars', 'ListWorkspaceVariables', read),
  tfe('GET', 'workspaces/{workspaceTfeId}/current-state-version', 'tfe/current-state-version', 'GetCurrentStateVersion', read),
  tfe('GET', 'workspaces/{workspaceTfeId}/current-state-version-outputs', 'tfe/current-state-version-outputs', 'ListCurrentStateOutputs', readsState),
  tfe('POST', 'workspaces/{workspaceTfeId}/state-versions', 'tfe/state-versions-post', 'CreateStateVersion', writesState),
  tfe('GET', 'state-versions/{stateVersionId}', 'tfe/state-version-get', 'GetStateVersion', writesState),
  tfe('GET', 'state-versions/{stateVersionId}/download', 'tfe/state-version-download', 'DownloadState', readsState),
  tfe('GET', 'state-versions/{stateVersionId}/download-json', 'tfe/state-version-download-json', 'DownloadJsonState', readsState),
  tfe('GET', 'state-version-outputs/{outputId}', 'tfe/state-version-output', 'GetStateOutput', readsState),
  tfe('POST', 'workspaces/{workspaceTfeId}/configuration-versions', 'tfe-runs/configuration-versions-post', 'CreateConfigurationVersion', uploadsConfigurations),
  tfe('GET', 'configuration-versions/{configurationVersionId}', 'tfe-runs/configuration-version-get', 'GetConfigurationVersion', uploadsConfigurations),
  tfe('POST', 'runs', 'tfe-runs/runs-post', 'CreateRun', startsRuns),
  tfe('GET', 'runs/{runId}', 'tfe-runs/run-get', 'GetRun', read),
  tfe('GET', 'runs/{runId}/run-events', 'tfe-runs/run-events', 'ListRunEvents', read),
  tfe('POST', 'runs/{runId}/actions/apply', 'tfe-runs/run-apply', 'ApplyRun', controlsRuns),
  tfe('POST', 'runs/{runId}/actions/discard', 'tfe-runs/run-discard', 'DiscardRun', controlsRuns),
  tfe('POST', 'runs/{runId}/actions/cancel', 'tfe-runs/run-cancel', 'CancelRun', controlsRuns),
  tfe('POST', 'runs/{runId}/actions/force-cancel', 'tfe-runs/run-force-cancel', 'ForceCancelRun', controlsRuns),
  tfe('GET', 'workspaces/{workspaceTfeId}/runs', 'tfe-runs/workspace-runs', 'ListWorkspaceRuns', read),
  tfe('GET', 'organizations/{organization}/runs/queue', 'tfe-runs/run-queue', 'GetRunQueue', read),
  tfe('GET', 'organizations/{organization}/capacity', 'tfe-runs/capacity', 'GetCapacity', read),
  tfe('GET', 'plans/{planId}', 'tfe-runs/plan-get', 'GetPlan', read),
  tfe('GET', 'applies/{applyId}', 'tfe-runs/apply-get', 'GetApply', read),
  tfe('GET', 'logs/{phaseId}/{token}', 'tfe-runs/log', 'ReadLog', ['table:read', 'logs:read'], 'none',
    'terraform reads plan and apply logs without a token: the URL carries the run\'s random log capability (compared in constant time against the job), and the answer is that run\'s log only.'),
];

export const ROUTES: readonly RouteDef[] = [
  { ...R('GET', '/healthz', 'health', [], 'none'), name: 'Health', publicReason: 'Liveness probe: returns a constant and touches no data.' },
  { ...R('GET', `${API}/openapi.json`, 'api-docs/openapi', [], 'none'), name: 'GetOpenApiDocument', publicReason: DOCS_ARE_PUBLIC },
  { ...R('GET', '/docs', 'api-docs/page', [], 'none'), name: 'GetApiReference', publicReason: DOCS_ARE_PUBLIC },
  // Workload identity (issue 20): what a cloud's OIDC federation reads to verify the tokens of steps.
  { ...R('GET', '/.well-known/openid-configuration', 'identity/openid-configuration', [], 'none'), name: 'GetOpenIdConfiguration', publicReason: IDENTITY_IS_PUBLIC },
  { ...R('GET', '/.well-known/jwks.json', 'identity/jwks', ['identity:publish'], 'none'), name: 'GetJwks', publicReason: IDENTITY_IS_PUBLIC },
  // Where Terrakube serves its key set (docs: dynamic provider credentials).
  { ...R('GET', '/.well-known/jwks', 'identity/jwks', ['identity:publish'], 'none'), name: 'GetJwksTerrakube', publicReason: IDENTITY_IS_PUBLIC },
  {
    ...R('GET', '/docs/{file}', 'api-docs/asset', [], 'none'),
    name: 'GetApiReferenceFile',
    publicReason: DOCS_ARE_PUBLIC,
    packageFiles: ['swagger-ui-dist/package.json', ...API_REFERENCE_FILES.map((f) => `swagger-ui-dist/${f}`)],
  },
  ...crud(`${API}/organization`, 'orgId', 'organizations'),
  ...crud(`${ORG}/team`, 'teamId', 'teams'),
  // Unlocking a workspace starts its oldest waiting job.
  // Deleting a workspace deletes its schedules' triggers; a soft delete (PATCH deleted) disables them.
  ...crud(`${ORG}/workspace`, 'workspaceId', 'workspaces', { patch: [...startsRuns, 'schedules:manage'], delete: managesSchedules }),
  { ...R('POST', `${ORG}/workspace/{workspaceId}/actions/force-unlock`, 'workspaces/force-unlock', ['table:read', 'state:unlock']), name: 'ForceUnlockWorkspaceState' },
  // The UI clears `vcs` before a workspace delete, and sets agent and project, through relationship links.
  { ...R('PATCH', `${ORG}/workspace/{workspaceId}/relationships/{relationship}`, 'workspaces/patch-relationship', readWrite), name: 'UpdateOrganizationWorkspaceRelationship' },
  ...crud(`${ORG}/workspace/{workspaceId}/variable`, 'variableId', 'variables'),
  ...crud(`${ORG}/template`, 'templateId', 'templates'),
  ...crud(`${ORG}/job`, 'jobId', 'jobs', jobs),
  ...crud(`${API}/workspace/{workspaceId}/job`, 'jobId', 'workspace-jobs', jobs),
  // Reads by id alone, as the terraform provider makes them (same permissions as the organization paths).
  // JSON:API atomic operations (the UI's workspace create and webhook save, the provider's webhook events):
  // they may create and update workspaces (an unlock starts a run) and seal webhook secrets.
  { ...R('POST', `${API}/operations`, 'operations/post', [...sealsSecrets, 'runs:start', 'schedules:manage']), name: 'PostOperations' },
  { ...R('GET', `${API}/workspace/{workspaceId}`, 'workspaces/get-by-id', read), name: 'GetWorkspaceById' },
  { ...R('GET', `${API}/webhook/{webhookId}`, 'webhooks/get-by-id', read), name: 'GetWebhookById' },
  { ...R('GET', `${API}/webhook_event/{eventId}`, 'webhook-events/get-by-id', read), name: 'GetWebhookEventById' },
  R('GET', `${ORG}/job/{jobId}/step`, 'steps/list', read),
  R('GET', `${ORG}/job/{jobId}/step/{stepId}`, 'steps/get', read),
  { ...R('GET', '/tfoutput/v1/organization/{orgId}/job/{jobId}/step/{stepId}', 'steps/log', ['table:read', 'logs:read']), name: 'GetStepLog' },
  ...crud(`${ORG}/workspace/{workspaceId}/schedule`, 'scheduleId', 'schedules', schedules),
  ...crud(`${API}/workspace/{workspaceId}/schedule`, 'scheduleId', 'schedules/workspace', schedules),
  { ...R('GET', '/tfoutput/v1/organization/{orgId}/job/{jobId}/step/{stepId}/stream', 'steps/stream', ['table:read', 'logs:read']), name: 'StreamStepLog', transport: 'stream' },
  ...crud(`${ORG}/workspace/{workspaceId}/webhook`, 'webhookId', 'webhooks', { post: sealsSecrets, patch: sealsSecrets }),
  ...crud(`${ORG}/workspace/{workspaceId}/webhook/{webhookId}/events`, 'eventId', 'webhook-events'),
  // The Terrakube UI's reads (issue 18): GraphQL in Elide's dialect (read-only, so table:read only).
  { ...R('POST', '/graphql/api/v1', 'graphql/post', read), name: 'GraphQL' },
  { ...R('GET', '/access-token/v1/teams/permissions/organization/{orgId}', 'permissions/organization', read), name: 'GetOrganizationPermissions' },
  {
    ...R('GET', '/access-token/v1/teams/permissions/organization/{orgId}/workspace/{workspaceId}', 'permissions/workspace', read),
    name: 'GetWorkspacePermissions',
  },
  { ...R('GET', '/access-token/v1/teams/current-teams', 'permissions/current-teams', []), name: 'GetCurrentTeams' },
  { ...R('GET', '/access-token/v1/teams', 'permissions/team-tokens', []), name: 'ListTeamTokens' },
  // The structured views the executor records beside the step logs.
  { ...R('GET', '/context/v1/{jobId}', 'context/get', ['table:read', 'logs:read']), name: 'GetJobContext' },
  { ...R('GET', '/context/v1/{jobId}/stream', 'context/stream', ['table:read', 'logs:read']), name: 'StreamJobContext' },
  // The UI's fallback for a workspace's resources and outputs: its current raw state (a redirect to the store).
  { ...R('GET', '/tfstate/v1/organization/{orgId}/workspace/{workspaceId}/state/terraform.tfstate', 'context/current-state', readsState), name: 'GetCurrentStateFile' },
  ...notProvided(`${ORG}/workspace/{workspaceId}/workspaceTag`, 'workspace tags'),
  ...notProvided(`${ORG}/tag`, 'tags'),
  ...notProvided(`${ORG}/globalvar`, 'global variables'),
  ...notProvided(`${ORG}/vcs`, 'VCS connections'),
  ...notProvided(`${ORG}/ssh`, 'SSH keys'),
  ...notProvided(`${ORG}/agent`, 'agents'),
  ...notProvided(`${ORG}/collection`, 'variable collections'),
  ...notProvided(`${API}/action`, 'actions'),
  ...notProvided(`${API}/federated`, 'federated credentials'),
  { ...R('GET', '/notification/v1/workspace/{workspaceId}/deliveries', 'unmodelled/deliveries', read), name: 'ListNotificationDeliveries' },
  ...(['terraform', 'tofu'] as const).map((iac) => ({
    ...R('GET', `/${iac}/index.json`, `unmodelled/${iac}-index`, [], 'none'),
    name: iac === 'terraform' ? 'TerraformVersions' : 'TofuVersions',
    publicReason: 'The list of IaC versions a workspace may pick: a constant that touches no data (public in Terrakube too).',
  })),
  {
    ...R('POST', '/webhook/v1/{webhookId}', 'webhooks/receive', ['table:read', 'table:write', 'webhooks:receive'], 'none'),
    name: 'ReceiveWebhook',
    publicReason:
      "VCS webhook receiver: GitHub, GitLab and Bitbucket cannot send a bearer token; every delivery is authenticated by its signature over the raw body (or GitLab token) against the webhook's secret before its payload is parsed or anything is recorded.",
  },
  ...TFE_ROUTES,
];

/** The export of a stream route's module that API Gateway invokes (the function URL invokes `handler`). */
export const SNAPSHOT_EXPORT = 'snapshot';

/** Serves every request no route matched: 405 when the path exists with another method, else 404. */
export const FALLBACK_HANDLER = 'functions/fallback.ts';
export const AUTHORIZER_HANDLER = 'functions/authorizer.ts';

/** A function's name in the stack and in logs, from its route: GET /api/v1/organization/{orgId}/job → GetOrganizationJob. */
export function routeId(route: Pick<RouteDef, 'method' | 'path' | 'name'>): string {
  if (route.name) return route.name;
  const words = route.path
    .replace(/^\/api\/v1/, '')
    .split('/')
    .filter((s) => s && !s.startsWith('{') && !/^v\d+$/.test(s))
    .map((s) => s.replace(/[^A-Za-z0-9]/g, ''))
    .map((s) => s.charAt(0).toUpperCase() + s.slice(1));
  const isMember = route.path.endsWith('}');
  const verb = { GET: isMember ? 'Get' : 'List', POST: 'Create', PATCH: 'Update', DELETE: 'Delete' }[route.method];
  return `${verb}${words.join('')}`;
}

/** Matches a concrete path against a route path; returns the decoded path parameters or undefined. */
export function matchPath(routePath: string, path: string): Record<string, string> | undefined {
  const want = routePath.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i] as string;
    const g = got[i] as string;
    if (w.startsWith('{') && w.endsWith('}')) {
      if (g === '') return undefined;
      params[w.slice(1, -1)] = g;
    } else if (w !== g) return undefined;
  }
  return params;
}

/**
 * The live status feed in AWS (graphql-ws over API Gateway's WebSocket API, shared/subscriptions): its
 * routes, each a function with the access it needs, and the table stream's consumer that pushes job
 * status changes to the subscribers. `npm start` serves /subscriptions itself (local/subscriptions.ts).
 */
export interface WebSocketRouteDef {
  routeKey: '$connect' | '$disconnect' | '$default';
  handler: string;
  name: string;
  /** The table; `connections:post` = the stage's management API (answers go back through it). */
  access: ('table:read' | 'table:write' | 'connections:post' | 'tokens:verify')[];
}

export const WEBSOCKET_ROUTES: readonly WebSocketRouteDef[] = [
  { routeKey: '$connect', handler: 'functions/live/connect.ts', name: 'LiveConnect', access: ['table:write'] },
  { routeKey: '$default', handler: 'functions/live/message.ts', name: 'LiveMessage', access: ['table:read', 'table:write', 'connections:post', 'tokens:verify'] },
  { routeKey: '$disconnect', handler: 'functions/live/disconnect.ts', name: 'LiveDisconnect', access: ['table:read', 'table:write'] },
];
export const LIVE_FAN_OUT_HANDLER = 'functions/live/fan-out.ts';
