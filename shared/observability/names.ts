/** Names the functions publish under and the stack's alarms and dashboard read (no imports: infra uses them). */
export const SERVICE_NAME = 'terrakube-jobs-api';
export const METRICS_NAMESPACE = 'TerrakubeJobs';

export const METRIC = {
  jobsCreated: 'JobsCreated',
  jobsStarted: 'JobsStarted',
  jobsCompleted: 'JobsCompleted',
  jobsFailed: 'JobsFailed',
  jobsCancelled: 'JobsCancelled',
  jobsRejected: 'JobsRejected',
  /** Seconds from a job's creation to its end. */
  jobDuration: 'JobDuration',
  webhookAccepted: 'WebhookDeliveriesAccepted',
  webhookRejected: 'WebhookDeliveriesRejected',
} as const;

/** Every metric carries these dimensions: `service` alone (the total) and `service` with `via`. */
export const VIA_DIMENSION = 'via';
