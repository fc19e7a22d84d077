/** What the service stores for workspace schedules and the fire times they started jobs at. */
import type { Audit } from '../domain/records';

export interface ScheduleRecord extends Audit {
  id: string;
  organizationId: string;
  workspaceId: string;
  /** Quartz cron, exactly as the client sent it (validated, never rewritten). */
  cron: string;
  /** The template each fire runs (or `tcl`, Terrakube's deprecated inline flow). */
  templateReference: string | null;
  tcl: string | null;
  description: string | null;
  enabled: boolean;
}

/** One fire time that created a job: written in the job's own transaction, so a fire creates at most one. */
export interface ScheduleFireRecord {
  scheduleId: string;
  fireTime: string;
  /** TTL: kept past every retry of a trigger (EventBridge gives up after an hour). */
  expiresAt: number;
}
