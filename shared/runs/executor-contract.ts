/**
 * What the Advance task hands the executor for one step, and what the executor hands back. The same
 * contract holds for the local child process and for the CodeBuild build in AWS.
 *
 * The context holds workspace variables, sensitive ones included, so it never travels through the
 * state machine (whose history is readable): Advance stores it in the artifact store and passes
 * only its key; the executor deletes it as soon as it has read it.
 */
import type { Command, FlowType } from '../domain/flow';
import type { ResourceCounts } from '../domain/records';

/** Where an artifact lives: a path on disk (local) or an S3 object key (AWS). */
export type ArtifactRef = string;

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
  /** The workspace's state (persists between jobs). */
  backend: { type: 'local'; path: string } | { type: 's3'; bucket: string; key: string; region: string };
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
  providerCache?: ArtifactRef | null;
  /** Where a request to stop the step appears (a cancel): the executor checks it every few seconds. */
  stop?: ArtifactRef | null;
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
}

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

/** ExecutorResult → CodeBuild's ExportedEnvironmentVariables shape (what the state machine sees). */
export function toExported(result: ExecutorResult): { Name: string; Value: string }[] {
  return [
    { Name: RESULT_VARIABLES.status, Value: result.status },
    { Name: RESULT_VARIABLES.exitCode, Value: String(result.exitCode) },
    { Name: RESULT_VARIABLES.planChanges, Value: result.planChanges === undefined ? '' : String(result.planChanges) },
    { Name: RESULT_VARIABLES.commitId, Value: result.commitId ?? '' },
    { Name: RESULT_VARIABLES.message, Value: result.message },
    { Name: RESULT_VARIABLES.resources, Value: result.resources ? countsText(result.resources) : '' },
    { Name: RESULT_VARIABLES.state, Value: result.state ? JSON.stringify(result.state) : '' },
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
  };
}
