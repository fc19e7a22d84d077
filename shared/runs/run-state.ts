/** The data that flows through the job run state machine (JSONPath `$`). */
import type { FlowType } from '../domain/flow';

export interface RunStep {
  id: string;
  type: FlowType;
  name: string;
  number: number;
}

export interface RunState {
  organizationId: string;
  jobId: number;
  action?: 'execute' | 'approve' | 'end';
  /**
   * The job's workspace and template: given by the starter of a job it just created, then carried by
   * every Advance, so that each reads what it needs beside the job rather than after it (hints: the
   * job read decides).
   */
  workspaceId?: string;
  templateReference?: string | null;
  step?: RunStep;
  /** Execute: what the executor needs (strings only: they become CodeBuild environment variables). */
  executor?: {
    /** A URL to read the step context (its only way in: the build has no storage rights). */
    context: string;
    /** A URL to delete the version of the context that was written, once read. */
    dispose: string;
    job: string;
    iac: string;
    version: string;
    /** The apply Advance chained to this plan: the only other step the executor's result may name. */
    chained?: string;
    /** That apply for the executor (TK_NEXT_*): its step, its context's two URLs, how long the plan may take (ms); empty strings when none. */
    next?: { step: string; context: string; dispose: string; withinMs: string };
  };
  approval?: { team: string };
  /** The last task's result: the executor's exported variables, or the approval decision. */
  result?: { exported?: { Name?: string; Value?: string }[]; decision?: 'approved' | 'rejected' };
  /** Set by a Catch: the error that ended a task. */
  error?: { Error?: string; Cause?: string };
}

export interface ApprovalTaskInput {
  token: string;
  organizationId: string;
  jobId: number;
  stepId: string;
  team: string;
}

/** Who the service's own writes are attributed to (updatedBy). */
export const RUNNER_IDENTITY = 'terrakube-runner';

/** A run's execution is named after its job, which makes starting it idempotent (Step Functions and the local engine alike). */
export const executionName = (run: { organizationId: string; jobId: number }) => `${run.organizationId}-${run.jobId}`;
