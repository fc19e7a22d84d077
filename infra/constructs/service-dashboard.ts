/**
 * The service's CloudWatch dashboard: the jobs the service created, started and ended (by outcome and
 * by `via`), how long they took, VCS webhook deliveries, and the health figures the alarms watch.
 * About 30 metrics on one dashboard: inside the free tier (3 dashboards of up to 50 metrics).
 */
import { Duration, Stack } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { JOB_VIA } from '../../shared/domain/records';
import { METRIC } from '../../shared/observability/names';
import { serviceMetric } from './service-alarms';

export interface ServiceDashboardProps {
  api: apigw.HttpApi;
  stateMachine: sfn.StateMachine;
  alarms: cw.Alarm[];
}

export class ServiceDashboard extends Construct {
  readonly dashboard: cw.Dashboard;

  constructor(scope: Construct, id: string, props: ServiceDashboardProps) {
    super(scope, id);
    const count = (name: string, label: string, via?: string) => serviceMetric(name, { label, via });
    const jobs: [string, string][] = [
      [METRIC.jobsCreated, 'created'],
      [METRIC.jobsStarted, 'started'],
      [METRIC.jobsCompleted, 'completed'],
      [METRIC.jobsFailed, 'failed'],
      [METRIC.jobsCancelled, 'cancelled'],
      [METRIC.jobsRejected, 'rejected'],
    ];
    const duration = (statistic: string) => serviceMetric(METRIC.jobDuration, { statistic, label: statistic, unit: cw.Unit.SECONDS });
    const five = Duration.minutes(5);
    this.dashboard = new cw.Dashboard(this, 'Dashboard', {
      dashboardName: `${Stack.of(this).stackName}-service`,
      defaultInterval: Duration.days(1),
      widgets: [
        [
          new cw.GraphWidget({ title: 'Jobs (per 5 minutes)', width: 12, left: jobs.map(([name, label]) => count(name, label)) }),
          new cw.GraphWidget({ title: 'Job duration, creation to end (s)', width: 12, left: ['p50', 'p90', 'Maximum'].map(duration) }),
        ],
        [
          new cw.GraphWidget({ title: 'Jobs created, by via', width: 12, stacked: true, left: JOB_VIA.map((via) => count(METRIC.jobsCreated, via, via)) }),
          new cw.GraphWidget({
            title: 'VCS webhook deliveries',
            width: 12,
            left: [count(METRIC.webhookAccepted, 'accepted'), count(METRIC.webhookRejected, 'rejected')],
            right: ['Github', 'GitLab', 'Bitbucket'].map((via) => count(METRIC.webhookRejected, `rejected (${via})`, via)),
          }),
        ],
        [
          new cw.GraphWidget({
            title: 'Errors',
            width: 12,
            left: [
              props.api.metricServerError({ period: five, statistic: 'Sum', label: 'API 5xx' }),
              props.api.metricClientError({ period: five, statistic: 'Sum', label: 'API 4xx' }),
              lambda.Function.metricAllErrors({ period: five, statistic: 'Sum', label: 'function errors' }),
              lambda.Function.metricAllThrottles({ period: five, statistic: 'Sum', label: 'function throttles' }),
            ],
            right: [
              props.stateMachine.metricFailed({ period: five, label: 'runs failed' }),
              props.stateMachine.metricTimedOut({ period: five, label: 'runs timed out' }),
            ],
          }),
          new cw.AlarmStatusWidget({ title: 'Alarms', width: 12, alarms: props.alarms }),
        ],
      ],
    });
  }
}
