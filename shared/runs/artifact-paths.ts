/** Where each artifact of a run lives, relative to the store's root (the bucket, or the data dir). */
export const artifactPaths = {
  job: (kind: 'runs' | 'plans' | 'logs', org: string, job: number) => `${kind}/${org}/${job}`,
  context: (org: string, job: number, step: string) => `runs/${org}/${job}/${step}.json`,
  /** A request to stop the job's running step (cancel). */
  stop: (org: string, job: number) => `runs/${org}/${job}/stop`,
  plan: (org: string, job: number, step: string) => `plans/${org}/${job}/${step}.tfplan`,
  log: (org: string, job: number, step: string) => `logs/${org}/${job}/${step}.log`,
  /** A terraform step's structured view (plan changes, outputs), beside its log: read with it, deleted with it. */
  view: (org: string, job: number, step: string) => `logs/${org}/${job}/${step}.view.json`,
  /** The workspace's provider cache, kept between its steps (executor/provider-cache.ts). */
  providers: (org: string, workspace: string) => `cache/${org}/${workspace}/providers.tgz`,
  state: (org: string, workspace: string) => `state/${org}/${workspace}/terraform.tfstate`,
  /** A configuration the terraform CLI uploaded (a TFE configuration version). */
  configuration: (org: string, workspace: string, version: string) => `configurations/${org}/${workspace}/${version}.tar.gz`,
  /** One state version of a workspace: the raw state, its JSON rendering and its outputs, side by side. */
  stateVersion: (org: string, workspace: string, name: string, part: 'state' | 'json' | 'outputs') =>
    `state/${org}/${workspace}/versions/${name}.${part === 'state' ? 'tfstate' : part === 'json' ? 'json' : 'outputs.json'}`,
};

/** What deleting a job removes. */
export const JOB_ARTIFACT_KINDS = ['runs', 'plans', 'logs'] as const;
