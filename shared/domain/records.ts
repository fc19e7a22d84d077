/** What the service stores for each resource (the table items minus their keys). */
import type { JobCommand } from './default-templates';
import type { JobStatus, StepStatus } from './job-status';
import type { FlowType } from './tcl';
import type { TeamFlags } from './permissions';

export interface Audit {
  createdBy: string;
  createdDate: string;
  updatedBy: string;
  updatedDate: string;
}

export const EXECUTION_MODES = ['local', 'remote'] as const;
export type ExecutionMode = (typeof EXECUTION_MODES)[number];

export interface OrganizationRecord extends Audit {
  id: string;
  name: string;
  description: string | null;
  /** Stored and returned as given (Terrakube's model); no behaviour here. */
  executionMode?: ExecutionMode | null;
  icon?: string | null;
  disabled?: boolean;
  /** group name -> flags; kept in step with the team items. */
  teams: Record<string, TeamFlags>;
}

/** Team flags Terrakube's model has that grant nothing here (stored and returned as given). */
export interface TeamExtras {
  approveJob?: boolean;
  manageState?: boolean;
  manageModule?: boolean;
  manageProvider?: boolean;
  manageVcs?: boolean;
  manageCollection?: boolean;
  /** Terrakube's preset name (custom, admin, write, plan, read) or null. */
  role?: string | null;
}

export interface TeamRecord extends Audit, TeamFlags, TeamExtras {
  id: string;
  organizationId: string;
  name: string;
}

export interface TemplateRecord extends Audit {
  id: string;
  organizationId: string;
  name: string;
  description: string | null;
  version: string;
  tcl: string;
}

export const IAC_TYPES = ['terraform', 'tofu'] as const;
export type IacType = (typeof IAC_TYPES)[number];

export interface WorkspaceRecord extends Audit {
  id: string;
  organizationId: string;
  name: string;
  description: string | null;
  /** Git URL; null for a CLI-driven workspace, whose runs bring their configuration (TFE configuration versions). */
  source: string | null;
  branch: string;
  folder: string;
  iacType: IacType;
  terraformVersion: string | null;
  locked: boolean;
  lockDescription?: string | null;
  defaultTemplate: string | null;
  /** `local`: the terraform CLI runs operations on its own machine and keeps only the state here (TFE execution mode). Absent or null: remote. */
  executionMode?: ExecutionMode | null;
  allowRemoteApply?: boolean;
  globalRemoteState?: boolean;
  sharedIds?: string | null;
  moduleSshKey?: string | null;
  /** Linkage to resources this service does not model (VCS connections, SSH keys, agents, projects): stored as given. */
  links?: Partial<Record<WorkspaceLink, string | null>>;
  /** Soft-deleted (PATCH deleted: true): gone from lists and paths, its name free, its jobs kept for the record. */
  deleted?: boolean;
  /** The status and time of the latest job change in the workspace (NeverExecuted before the first). */
  lastJobStatus?: JobStatus | 'NeverExecuted';
  lastJobDate?: string | null;
  /** Ids of its variables and webhooks, kept by their writes (full linkage without reading them). */
  variableIds?: Set<string>;
  webhookIds?: Set<string>;
  /** Job holding the workspace (running, or waiting for approval). */
  activeJob?: number;
  /** Jobs waiting their turn, oldest first. */
  queue?: number[];
  /** Bumped by every queue change; queue writes are conditional on it. */
  queueVersion?: number;
}

export const WORKSPACE_LINKS = ['vcs', 'ssh', 'agent', 'project'] as const;
export type WorkspaceLink = (typeof WORKSPACE_LINKS)[number];

export const VARIABLE_CATEGORIES = ['ENV', 'TERRAFORM'] as const;
export type VariableCategory = (typeof VARIABLE_CATEGORIES)[number];

export interface VariableRecord extends Audit {
  id: string;
  organizationId: string;
  workspaceId: string;
  key: string;
  value: string;
  category: VariableCategory;
  sensitive: boolean;
  hcl: boolean;
  description: string | null;
}

export const JOB_VIA = ['UI', 'CLI', 'API', 'Schedule', 'Github', 'GitLab', 'Bitbucket'] as const;
export type JobVia = (typeof JOB_VIA)[number];

export interface StepRecord {
  id: string;
  stepNumber: number;
  name: string;
  type: FlowType;
  status: StepStatus;
  output: string | null;
  startedDate: string | null;
  finishedDate: string | null;
  /** Terraform steps: the resources the plan would change, or the apply changed (from terraform's summary line). */
  resources?: ResourceCounts;
}

export interface ResourceCounts {
  add: number;
  change: number;
  destroy: number;
  import: number;
}

/** What a job started by the terraform CLI (a TFE run, shared/tfe) carries besides the job itself. */
export interface CliRun {
  /** The uploaded configuration (TFE configuration version) the job runs instead of a git checkout. */
  configurationVersionId: string;
  /** `terraform plan`: a plan only, never applied. */
  speculative: boolean;
  isDestroy: boolean;
  message: string | null;
  /** -var values as the CLI sends them: HCL literals, written verbatim into an .auto.tfvars. */
  variables: { key: string; value: string }[];
  targetAddrs: string[];
  replaceAddrs: string[];
  /** The terraform version of the CLI that queued the run. */
  terraformVersion: string | null;
  /** The capability in the run's log URLs (terraform reads logs without a token): random, never rendered. */
  logToken: string;
}

export interface JobRecord extends Audit {
  id: number;
  organizationId: string;
  workspaceId: string;
  status: JobStatus;
  templateReference: string | null;
  tcl: string | null;
  command: JobCommand | null;
  overrideBranch: string | null;
  commitId: string | null;
  via: JobVia;
  refresh: boolean;
  refreshOnly: boolean;
  autoApply: boolean;
  planChanges: boolean;
  comments: string | null;
  approvalTeam: string | null;
  /** Resource addresses: terraform -target / -replace (contract §8). */
  targetAddrs?: string[];
  replaceAddrs?: string[];
  output: string | null;
  terraformPlan: string | null;
  steps: StepRecord[];
  /** Jobs queued by the terraform CLI (TFE runs). */
  cli?: CliRun;
  /** While waitingApproval: the state machine's task token that the approve or reject settles (never rendered). */
  taskToken?: string;
}
