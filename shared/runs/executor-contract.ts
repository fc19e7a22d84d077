/**
 * What the Advance task hands the executor for one step, and what the executor hands back. The same
 * contract holds for the local child process and for the CodeBuild build in AWS.
 *
 * The context holds workspace variables, sensitive ones included, so it never travels through the
 * state machine (whose history is readable): Advance stores it in the artifact store and passes
 * only a short-lived URL to it; the executor deletes it as soon as it has read it.
 *
 * Tenant isolation (issue 20): the executor has no storage rights of its own (the build role holds
 * none on the artifacts bucket). Every object a step may touch reaches it as a URL Advance minted for
 * this step alone: an S3 presigned URL in AWS, a URL signed by `npm start` locally (shared/adapters/
 * local/object-urls.ts), each naming one object, one method and an expiry.
 */
import type { Command, FlowType } from '../domain/flow';
import type { ResourceCounts } from '../domain/records';

/**
 * How the executor reaches one artifact: a URL granting one method on one object (GET to read, PUT to
 * write, DELETE to remove), valid for this step only. (Tests of the step logic pass file paths.)
 */
export type ArtifactRef = string;

/** An object the step reads and writes: one URL per method. */
export interface ObjectGrant {
  get: ArtifactRef;
  put: ArtifactRef;
}

/**
 * The step's workload identity (opted in by the workspace): a signed token the user's cloud trusts
 * (AWS AssumeRoleWithWebIdentity), written to a file the AWS SDKs and terraform's AWS provider read.
 */
export interface WorkloadIdentity {
  token: string;
  /** AWS: the role terraform assumes with the token (AWS_ROLE_ARN). */
  awsRoleArn?: string;
  /** Also hand the token over in this environment variable (HCP's TFC_WORKLOAD_IDENTITY_TOKEN). */
  envName?: string;
}

export interface ExecutorContext {
  organizationId: string;
  workspaceId: string;
  jobId: number;
  stepId: string;
  stepName: string;
  stepType: FlowType;
  /** Git URL; locally also file:// URLs and absolute paths. Empty for a run of an uploaded configuration. */
  source: string;
  /** A terraform CLI run: its uploaded configuration (a .tar.gz) is unpacked instead of checking out `source`. */
  archive?: ArtifactRef | null;
  /** Branch, tag (refs/tags/<tag>), or any ref git can clone. */
  branch: string;
  /** Check out exactly this commit when set (else the tip of `branch`). */
  commitId?: string | null;
  /** Folder inside the repository, `/` for its root. */
  folder: string;
  iacType: 'terraform' | 'tofu';
  terraformVersion?: string | null;
  refresh: boolean;
  refreshOnly: boolean;
  /** Resource addresses (validated at job creation): terraform -target / -replace. */
  targetAddrs?: string[];
  replaceAddrs?: string[];
  /** Scripts in ascending priority; for customScripts the step itself, else `before` / `after` ones. */
  commands: Command[];
  /** ENV variables, and TERRAFORM variables (passed as TF_VAR_<key>), sensitive ones included. */
  env: Record<string, string>;
  terraformVars: Record<string, string>;
  /** A CLI run's -var values (HCL literals), written to an .auto.tfvars: they win over workspace variables. */
  runVariables?: { key: string; value: string }[];
  /** Values to mask in the step log (the sensitive variables). */
  secrets: string[];
  /** terraformApply after a plan: the plan file saved by that plan step. */
  planIn?: ArtifactRef | null;
  /** terraformPlan / terraformPlanDestroy: where to save the plan file. */
  planOut?: ArtifactRef | null;
  /**
   * The workspace's state (persists between jobs): terraform reaches it through the executor's http
   * backend (executor/state-proxy.ts), which reads and writes this one object. The workspace queue
   * runs one job of a workspace at a time; the proxy locks it within the step.
   */
  backend: ObjectGrant;
  /**
   * The workspace's current state version. It replaces the backend's state when that is missing, of
   * another lineage or older (the terraform CLI pushed a state, or applied locally, since the last run).
   */
  stateIn?: { ref: ArtifactRef; md5: string } | null;
  /**
   * Where the state is saved, with its outputs, when the step leaves it different from stateIn (an
   * apply or destroy; or a plan finding the newer state a cancelled apply left behind): the workspace's next version.
   */
  stateOut?: { state: ArtifactRef; outputs: ArtifactRef } | null;
  /** Terraform steps: where the step's structured view is written (executor/structured-view.ts). */
  viewOut?: ArtifactRef | null;
  /** The step log: appended while the step runs. */
  log: ArtifactRef;
  /** The workspace's provider cache (an archive of terraform's plugin cache), kept between steps. */
  providerCache?: ObjectGrant | null;
  /** Where a request to stop the step appears (a cancel): the executor checks it every few seconds. */
  stop?: ArtifactRef | null;
  /** Set when the workspace opts into workload identity (shared/identity/workload-identity.ts). */
  workloadIdentity?: WorkloadIdentity | null;
  /** The step is killed after this many seconds. */
  timeoutSeconds: number;
}

export interface ExecutorResult {
  status: 'completed' | 'failed';
  /** Exit code of the main command (plan: 0 no changes, 1 error, 2 changes). */
  exitCode: number;
  /** Plan steps only: whether the plan found changes. */
  planChanges?: boolean;
  /** The commit that was checked out and ran. */
  commitId?: string;
  /** Terraform steps: what the plan would change or the apply changed (terraform's summary line). */
  resources?: ResourceCounts;
  /** The step left the state different from stateIn: the new state, saved at the context's stateOut. */
  state?: StateWritten;
  /** One line for the job's `output` (never contains a secret). */
  message: string;
  /**
   * The step this result belongs to, when it is not the step the executor was handed: the apply it
   * ran right after its plan (a chained step, see local/engine.ts).
   */
  stepId?: string;
  /**
   * Wall-clock milliseconds the step spent per phase (checkout, init, plan, apply, destroy, scripts, state),
   * for the bench's split and the step log; not exported to CodeBuild's variables.
   */
  phases?: StepPhases;
}

export type StepPhases = Partial<Record<'checkout' | 'init' | 'plan' | 'apply' | 'destroy' | 'scripts' | 'state', number>>;

export interface StateWritten {
  serial: number;
  lineage: string;
  md5: string;
  size: number;
  terraformVersion: string | null;
}

/** Names of the CodeBuild exported variables carrying an ExecutorResult (AWS). */
export const RESULT_VARIABLES = {
  status: 'TK_STATUS',
  exitCode: 'TK_EXIT_CODE',
  planChanges: 'TK_PLAN_CHANGES',
  commitId: 'TK_COMMIT',
  message: 'TK_MESSAGE',
  resources: 'TK_RESOURCES',
  state: 'TK_STATE',
  stepId: 'TK_RESULT_STEP',
} as const;

const countsText = (c: ResourceCounts) => [c.add, c.change, c.destroy, c.import].join(',');
function countsOf(text: string): ResourceCounts | undefined {
  const n = text.split(',').map(Number);
  return n.length === 4 && n.every((x) => Number.isSafeInteger(x) && x >= 0) ? { add: n[0]!, change: n[1]!, destroy: n[2]!, import: n[3]! } : undefined;
}
function stateOf(text: string): StateWritten | undefined {
  try {
    const s = JSON.parse(text) as StateWritten;
    return typeof s.serial === 'number' && typeof s.lineage === 'string' && typeof s.md5 === 'string' && typeof s.size === 'number' ? s : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The exported variable that carries a chained plan's result beside its apply's: a build that ran both
 * reports them together at its end (one variable, so the buildspec exports a fixed list; its message is
 * at most 300 characters, so the value stays well under a kilobyte).
 */
export const BOUNDARY_VARIABLE = 'TK_BOUNDARY';

/** Where a chained step began: the result of the step before it, and when that step ended (ms since the epoch). */
export interface Boundary {
  result: ExecutorResult;
  at: number;
}

/** ExecutorResult → CodeBuild's ExportedEnvironmentVariables shape (what the state machine sees), with the boundary before it when one build ran two steps. */
export function toExported(result: ExecutorResult, boundary?: Boundary): { Name: string; Value: string }[] {
  const before = boundary ? Object.fromEntries(toExported(boundary.result).filter((v) => v.Value !== '').map((v) => [v.Name, v.Value])) : undefined;
  return [
    ...(before ? [{ Name: BOUNDARY_VARIABLE, Value: JSON.stringify({ at: boundary!.at, ...before }) }] : []),
    { Name: RESULT_VARIABLES.status, Value: result.status },
    { Name: RESULT_VARIABLES.exitCode, Value: String(result.exitCode) },
    { Name: RESULT_VARIABLES.planChanges, Value: result.planChanges === undefined ? '' : String(result.planChanges) },
    { Name: RESULT_VARIABLES.commitId, Value: result.commitId ?? '' },
    { Name: RESULT_VARIABLES.message, Value: result.message },
    { Name: RESULT_VARIABLES.resources, Value: result.resources ? countsText(result.resources) : '' },
    { Name: RESULT_VARIABLES.state, Value: result.state ? JSON.stringify(result.state) : '' },
    ...(result.stepId ? [{ Name: RESULT_VARIABLES.stepId, Value: result.stepId }] : []),
  ];
}

export function fromExported(exported: { Name?: string; Value?: string }[] | undefined): ExecutorResult {
  const get = (name: string) => exported?.find((e) => e.Name === name)?.Value ?? '';
  const planChanges = get(RESULT_VARIABLES.planChanges);
  const resources = countsOf(get(RESULT_VARIABLES.resources));
  const state = stateOf(get(RESULT_VARIABLES.state));
  return {
    status: get(RESULT_VARIABLES.status) === 'completed' ? 'completed' : 'failed',
    exitCode: Number(get(RESULT_VARIABLES.exitCode) || 1),
    ...(planChanges ? { planChanges: planChanges === 'true' } : {}),
    ...(get(RESULT_VARIABLES.commitId) ? { commitId: get(RESULT_VARIABLES.commitId) } : {}),
    message: get(RESULT_VARIABLES.message) || 'the executor reported no result',
    ...(resources ? { resources } : {}),
    ...(state ? { state } : {}),
    ...(get(RESULT_VARIABLES.stepId) ? { stepId: get(RESULT_VARIABLES.stepId) } : {}),
  };
}

/** The boundary a build exported beside its last result (undefined when it ran one step, or the value is not one). */
export function boundaryFromExported(exported: { Name?: string; Value?: string }[] | undefined): Boundary | undefined {
  const text = exported?.find((e) => e.Name === BOUNDARY_VARIABLE)?.Value;
  if (!text) return undefined;
  try {
    const { at, ...fields } = JSON.parse(text) as Record<string, unknown>;
    if (typeof at !== 'number' || !Number.isFinite(at)) return undefined;
    return { at, result: fromExported(Object.entries(fields).map(([Name, Value]) => ({ Name, Value: String(Value) }))) };
  } catch {
    return undefined;
  }
}
