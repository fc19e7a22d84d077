/**
 * The service's business metrics, as CloudWatch embedded-metric-format lines (Powertools Metrics):
 * jobs created, started, completed, failed, cancelled and rejected, how long a job took from creation
 * to its end, and VCS webhook deliveries accepted or rejected. Each is published twice: by `via` (UI,
 * CLI, API, Schedule, Github, GitLab, Bitbucket) and as the service total the alarms and the dashboard
 * read. Domain code records; the entry points (observability/lambda.ts) publish at the end of each
 * invocation. Only Lambda publishes: locally nothing is recorded.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { JobRecord } from '../domain/records';
import { METRIC, VIA_DIMENSION } from './names';
import { metrics } from './powertools';
import { insideLambda } from '../env';


type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];
interface Point {
  name: string;
  unit: Unit;
  value: number;
  via: string;
}

const pending: Point[] = [];
const enabled = insideLambda;

function record(name: string, via: string, value = 1, unit: Unit = MetricUnit.Count): void {
  if (enabled()) pending.push({ name, unit, value, via });
}

const ENDED = { completed: METRIC.jobsCompleted, failed: METRIC.jobsFailed, cancelled: METRIC.jobsCancelled, rejected: METRIC.jobsRejected } as const;

export const jobMetrics = {
  created: (job: Pick<JobRecord, 'via'>) => record(METRIC.jobsCreated, job.via),
  /** The job's first step started running. */
  started: (job: Pick<JobRecord, 'via'>) => record(METRIC.jobsStarted, job.via),
  ended(job: Pick<JobRecord, 'via' | 'createdDate'>, status: keyof typeof ENDED, at = new Date()): void {
    record(ENDED[status], job.via);
    const created = Date.parse(job.createdDate ?? '');
    if (Number.isFinite(created)) record(METRIC.jobDuration, job.via, Math.max(0, (at.getTime() - created) / 1000), MetricUnit.Seconds);
  },
};

export const webhookMetrics = {
  delivery: (outcome: 'accepted' | 'rejected', via: string) => record(outcome === 'accepted' ? METRIC.webhookAccepted : METRIC.webhookRejected, via),
};

/** Publishes what this invocation recorded: one EMF line per `via`, with the by-via and the total dimension sets. */
export function publishMetrics(): void {
  const byVia = new Map<string, Point[]>();
  for (const point of pending.splice(0)) byVia.set(point.via, [...(byVia.get(point.via) ?? []), point]);
  for (const [via, points] of byVia) {
    // Two dimension sets: [service, via] and [service] (the total).
    metrics.addDimension(VIA_DIMENSION, via);
    metrics.addDimensions({});
    for (const p of points) metrics.addMetric(p.name, p.unit, p.value);
    metrics.publishStoredMetrics();
  }
}
