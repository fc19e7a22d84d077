/** What the executor gets for one step: the step context, kept in the artifact store (it holds secrets). */
import { TERRAFORM_FLOW_TYPES, type Flow } from '../domain/flow';
import type { JobRecord } from '../domain/records';
import type { ExecutorContext } from '../runs/executor-contract';
import { artifactPaths } from '../runs/artifact-paths';
import { runStatePaths } from '../state/state-versions';
import { readWorkspaceWithVariables } from '../store/repositories/workspaces';
import { artifactStore, stepTimeoutSeconds } from '../wiring';
import { planStepFor } from './decide';

/** Everything the executor needs for one step; holds the workspace's sensitive variables. */
export async function executorContext(job: JobRecord, stepId: string, flow: Flow): Promise<ExecutorContext> {
  const { workspace, variables, stateHead } = await readWorkspaceWithVariables(job.workspaceId);
  if (!workspace) throw new Error(`workspace ${job.workspaceId} of job ${job.id} no longer exists`);
  const step = job.steps.find((s) => s.id === stepId);
  const store = artifactStore();
  const planStep = step && flow.type === 'terraformApply' ? planStepFor(job.steps, step, job.planChanges) : undefined;
  const current = stateHead?.current;
  const statePaths = runStatePaths(job, stepId);
  return {
    organizationId: job.organizationId,
    workspaceId: job.workspaceId,
    jobId: job.id,
    stepId,
    stepName: step?.name ?? flow.name,
    stepType: flow.type,
    source: workspace.source ?? '',
    archive: job.cli ? store.ref(artifactPaths.configuration(job.organizationId, job.workspaceId, job.cli.configurationVersionId)) : null,
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
    env: Object.fromEntries(variables.filter((v) => v.category === 'ENV').map((v) => [v.key, v.value])),
    terraformVars: Object.fromEntries(variables.filter((v) => v.category === 'TERRAFORM').map((v) => [v.key, v.value])),
    runVariables: job.cli?.variables ?? [],
    secrets: variables.filter((v) => v.sensitive).map((v) => v.value),
    planIn: planStep ? store.planRef(job.organizationId, job.id, planStep.id) : null,
    planOut: flow.type === 'terraformPlan' || flow.type === 'terraformPlanDestroy' ? store.planRef(job.organizationId, job.id, stepId) : null,
    backend: store.backend(job.organizationId, job.workspaceId),
    stateIn: current ? { ref: store.ref(current.state), md5: current.md5 } : null,
    stateOut: { state: store.ref(statePaths.state), outputs: store.ref(statePaths.outputs) },
    log: store.logRef(job.organizationId, job.id, stepId),
    viewOut: TERRAFORM_FLOW_TYPES.includes(flow.type) ? store.ref(artifactPaths.view(job.organizationId, job.id, stepId)) : null,
    stop: store.stopRef(job.organizationId, job.id),
    providerCache: store.providerCacheRef(job.organizationId, job.workspaceId),
    timeoutSeconds: stepTimeoutSeconds(),
  };
}
