/**
 * What the Advance task hands the executor for one step, and what the executor hands back. The same
 * contract holds for the local child process and for the CodeBuild build in AWS.
 *
 * The context holds workspace variables, sensitive ones included, so it never travels through the
 * state machine (whose history is readable): Advance stores it in the artifact store and passes
 * only its key; the executor deletes it as soon as it has read it.
 */
import type { Command, FlowType } from '../domain/flow';

/** Where an artifact lives: a path on disk (local) or an S3 object key (AWS). */
export type ArtifactRef = string;

export interface ExecutorContext {
  organizationId: string;
  workspaceId: string;
  jobId: number;
  stepId: string;
  stepName: string;
  stepType: FlowType;
  /** Git URL; locally also file:// URLs and absolute paths. */
  source: string;
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
  /** Values to mask in the step log (the sensitive variables). */
  secrets: string[];
  /** terraformApply after a plan: the plan file saved by that plan step. */
  planIn?: ArtifactRef | null;
  /** terraformPlan / terraformPlanDestroy: where to save the plan file. */
  planOut?: ArtifactRef | null;
  /** The workspace's state (persists between jobs). */
  backend: { type: 'local'; path: string } | { type: 's3'; bucket: string; key: string; region: string };
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
  /** One line for the job's `output` (never contains a secret). */
  message: string;
}

/** Names of the CodeBuild exported variables carrying an ExecutorResult (AWS). */
export const RESULT_VARIABLES = {
  status: 'TK_STATUS',
  exitCode: 'TK_EXIT_CODE',
  planChanges: 'TK_PLAN_CHANGES',
  commitId: 'TK_COMMIT',
  message: 'TK_MESSAGE',
} as const;

/** ExecutorResult → CodeBuild's ExportedEnvironmentVariables shape (what the state machine sees). */
export function toExported(result: ExecutorResult): { Name: string; Value: string }[] {
  return [
    { Name: RESULT_VARIABLES.status, Value: result.status },
    { Name: RESULT_VARIABLES.exitCode, Value: String(result.exitCode) },
    { Name: RESULT_VARIABLES.planChanges, Value: result.planChanges === undefined ? '' : String(result.planChanges) },
    { Name: RESULT_VARIABLES.commitId, Value: result.commitId ?? '' },
    { Name: RESULT_VARIABLES.message, Value: result.message },
  ];
}

export function fromExported(exported: { Name?: string; Value?: string }[] | undefined): ExecutorResult {
  const get = (name: string) => exported?.find((e) => e.Name === name)?.Value ?? '';
  const planChanges = get(RESULT_VARIABLES.planChanges);
  return {
    status: get(RESULT_VARIABLES.status) === 'completed' ? 'completed' : 'failed',
    exitCode: Number(get(RESULT_VARIABLES.exitCode) || 1),
    ...(planChanges ? { planChanges: planChanges === 'true' } : {}),
    ...(get(RESULT_VARIABLES.commitId) ? { commitId: get(RESULT_VARIABLES.commitId) } : {}),
    message: get(RESULT_VARIABLES.message) || 'the executor reported no result',
  };
}
