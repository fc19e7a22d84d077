/**
 * What the executor gets for one step: the step context, kept in the artifact store (it holds
 * secrets), with every object the step may touch as a URL minted for this step (step-grants.ts), and
 * the step's workload identity token when the workspace opts in.
 */
import { TERRAFORM_FLOW_TYPES, type Flow } from '../domain/flow';
import type { JobRecord } from '../domain/records';
import type { ExecutorContext } from '../runs/executor-contract';
import { artifactPaths } from '../runs/artifact-paths';
import { runStatePaths } from '../state/state-versions';
import { readWorkspaceWithVariables } from '../store/repositories/workspaces';
import { artifactStore, executorObjectsUrl, stepTimeoutSeconds } from '../wiring';
import { planStepFor } from './decide';
import { stepGrants } from './step-grants';
import { workloadIdentityFor } from '../identity/workload-identity';

/** Everything the executor needs for one step; holds the workspace's sensitive variables. */
export async function executorContext(
  job: JobRecord,
  stepId: string,
  flow: Flow,
  /** The workspace as the caller just read it (the first Advance does), instead of reading it again. */
  read?: Awaited<ReturnType<typeof readWorkspaceWithVariables>>,
): Promise<ExecutorContext> {
  const { workspace, variables, stateHead } = read ?? (await readWorkspaceWithVariables(job.workspaceId));
  if (!workspace) throw new Error(`workspace ${job.workspaceId} of job ${job.id} no longer exists`);
  const step = job.steps.find((s) => s.id === stepId);
  const store = artifactStore();
  const timeoutSeconds = stepTimeoutSeconds();
  const grant = stepGrants(store, executorObjectsUrl(), timeoutSeconds);
  const planStep = step && flow.type === 'terraformApply' ? planStepFor(job.steps, step, job.planChanges) : undefined;
  const current = stateHead?.current;
  const statePaths = runStatePaths(job, stepId);
  const org = job.organizationId;
  const env = Object.fromEntries(variables.filter((v) => v.category === 'ENV').map((v) => [v.key, v.value]));
  const identity = await workloadIdentityFor({ job, workspace, stepId, stepType: flow.type, env, timeoutSeconds });
  const planOut = flow.type === 'terraformPlan' || flow.type === 'terraformPlanDestroy';
  const [archive, planIn, planFile, backend, stateIn, stateOut, log, viewOut, stop, providerCache] = await Promise.all([
    job.cli ? grant.read(store.ref(artifactPaths.configuration(org, job.workspaceId, job.cli.configurationVersionId))) : null,
    planStep ? grant.read(store.planRef(org, job.id, planStep.id)) : null,
    planOut ? grant.write(store.planRef(org, job.id, stepId)) : null,
    grant.readWrite(store.stateRef(org, job.workspaceId)),
    current ? grant.read(store.ref(current.state)).then((ref) => ({ ref, md5: current.md5 })) : null,
    Promise.all([grant.write(store.ref(statePaths.state)), grant.write(store.ref(statePaths.outputs))]).then(([state, outputs]) => ({ state, outputs })),
    grant.write(store.logRef(org, job.id, stepId)),
    TERRAFORM_FLOW_TYPES.includes(flow.type) ? grant.write(store.ref(artifactPaths.view(org, job.id, stepId))) : null,
    grant.read(store.stopRef(org, job.id)),
    grant.readWrite(store.providerCacheRef(org, job.workspaceId)),
  ]);
  return {
    organizationId: org,
    workspaceId: job.workspaceId,
    jobId: job.id,
    stepId,
    stepName: step?.name ?? flow.name,
    stepType: flow.type,
    source: workspace.source ?? '',
    archive,
    branch: job.overrideBranch ?? workspace.branch,
    commitId: job.commitId,
    folder: workspace.folder,
    iacType: workspace.iacType,
    terraformVersion: workspace.terraformVersion,
    refresh: job.refresh,
    refreshOnly: job.refreshOnly,
    ...(job.targetAddrs?.length ? { targetAddrs: job.targetAddrs } : {}),
    ...(job.replaceAddrs?.length ? { replaceAddrs: job.replaceAddrs } : {}),
    commands: flow.commands,
    env,
    terraformVars: Object.fromEntries(variables.filter((v) => v.category === 'TERRAFORM').map((v) => [v.key, v.value])),
    runVariables: job.cli?.variables ?? [],
    // The workload identity token is a credential: masked like a sensitive variable.
    secrets: [...variables.filter((v) => v.sensitive).map((v) => v.value), ...(identity ? [identity.token] : [])],
    planIn,
    planOut: planFile,
    backend,
    stateIn,
    stateOut,
    log,
    viewOut,
    stop,
    providerCache,
    workloadIdentity: identity ?? null,
    timeoutSeconds,
  };
}
