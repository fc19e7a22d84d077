/** What the service stores for webhooks, their event rules and the deliveries they received. */
import type { Audit, JobVia } from '../domain/records';

export interface WebhookRecord extends Audit {
  id: string;
  organizationId: string;
  workspaceId: string;
  description: string | null;
  /** The signing secret, sealed by the secret box (KMS in AWS); the plaintext is never stored. */
  sealedSecret: string;
  /** Terrakube's: the id of the hook registered at the VCS, and its migration flag; stored as given. */
  remoteHookId?: string | null;
  migratedV2?: boolean;
  /** Ids of its event rules, kept by their writes (full linkage without reading them). */
  eventIds?: Set<string>;
}

export const WEBHOOK_EVENT_KINDS = ['PUSH', 'PULL_REQUEST', 'RELEASE'] as const;
export type WebhookEventKind = (typeof WEBHOOK_EVENT_KINDS)[number];
/** Kinds a rule may be saved with (Terrakube's enum); deliveries only ever carry WEBHOOK_EVENT_KINDS. */
export const RULE_EVENT_KINDS = [...WEBHOOK_EVENT_KINDS, 'PR_COMMENT', 'PING', 'UNKNOWN'] as const;
export type RuleEventKind = (typeof RULE_EVENT_KINDS)[number];
/** How a rule's `path` reads: regular expressions, or Ant-style patterns (`modules/**`, `*.tf`). */
export const PATH_TYPES = ['REGEX', 'PATTERN'] as const;
export type PathType = (typeof PATH_TYPES)[number];

/** A rule: which events of the webhook start a job, and with which template. */
export interface WebhookEventRecord extends Audit {
  id: string;
  organizationId: string;
  workspaceId: string;
  webhookId: string;
  event: RuleEventKind;
  /** Comma-separated regular expressions, each matched against the whole branch (or tag) name. */
  branch: string;
  /** Comma-separated patterns (see pathType) matched against whole changed-file paths; null: no file condition. */
  path: string | null;
  /** Absent on rules saved before it existed: REGEX. */
  pathType?: PathType;
  templateId: string;
  priority: number;
  /** Terrakube's pull-request workflow flags; stored and returned as given. */
  prWorkflowEnabled?: boolean;
  prApplyEnabled?: boolean;
}

export const PROVIDERS = ['github', 'gitlab', 'bitbucket'] as const;
export type Provider = (typeof PROVIDERS)[number];

export const VIA: Record<Provider, JobVia> = { github: 'Github', gitlab: 'GitLab', bitbucket: 'Bitbucket' };

/** A push, pull request or release, reduced to what matching and job creation need. */
export interface VcsEvent {
  kind: WebhookEventKind;
  /** Names the rule's branch patterns are tried on: the branch, or for a release its tag and refs/tags/<tag>. */
  refNames: string[];
  /** What the job checks out: the branch, or refs/tags/<tag>. */
  overrideBranch: string;
  /** Changed files; null when the payload carries no file list (pull requests, Bitbucket pushes). */
  files: string[] | null;
  commitId: string | null;
  createdBy: string | null;
  /** One line for the job's comments, e.g. "GitHub push to main". */
  summary: string;
  /**
   * Twin notifications of one change share this key instead of the delivery id (GitHub sends `created`
   * and `published` for one release; GitLab a tag push and a release for one tag), so they make one job.
   */
  dedupeKey?: string;
}

/** received → processing → processed; `failed` (a permanent error, no job) may be retried by a redelivery. */
export type DeliveryStatus = 'received' | 'processing' | 'processed' | 'failed';

export interface DeliveryRecord {
  webhookId: string;
  /** The key under which the delivery is deduplicated (the provider's delivery id, or see VcsEvent.dedupeKey). */
  deliveryKey: string;
  provider: Provider;
  organizationId: string;
  workspaceId: string;
  ruleId: string;
  templateId: string;
  via: JobVia;
  overrideBranch: string;
  commitId: string | null;
  createdBy: string;
  comments: string;
  status: DeliveryStatus;
  receivedAt: string;
  /** Epoch seconds: DynamoDB's TTL removes the record after this. */
  expiresAt: number;
  attempts?: number;
  /** The current processing attempt: when it started and until when nobody else may take it over. */
  claimedAt?: string;
  leaseUntil?: number;
  /** Once processed: the job it created (or adopted) and when. */
  jobId?: number;
  processedAt?: string;
  /** Once failed: why (a permanent error; a redelivery may try again). */
  error?: string;
}

/** The guard of a delivery's raw body (DELIVERY#digest:<sha256>): the first delivery key that carried it. */
export interface DeliveryBodyGuard {
  owner: string;
  expiresAt: number;
}
