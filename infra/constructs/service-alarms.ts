/**
 * Alarms for what must never go unnoticed (issue 7): API 5xx answers, function errors and throttles,
 * failed or timed-out job executions, messages in a dead-letter queue, and DynamoDB throttling. They
 * notify one SNS topic (subscribe an address with `-c alarmEmail=...`).
 *
 * The service's own metrics (issue 11, EMF from the functions) add one: jobs failing in numbers (3 or
 * more within 15 minutes: a broken executor, lost credentials, an unreachable VCS).
 *
 * CloudWatch bills every metric an alarm evaluates, so they watch 10 metrics in all (the free tier):
 * Lambda's errors and throttles are the account-wide metrics, which cover every function of the stack
 * in an account that runs only this service (the recommended deployment); the function name is in the
 * function's own logs.
 */
import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRIC, METRICS_NAMESPACE, SERVICE_NAME } from '../../shared/observability/names';
import { acknowledge } from '../nag';

export interface ServiceAlarmsProps {
  api: apigw.HttpApi;
  stateMachine: sfn.StateMachine;
  deadLetterQueues: sqs.IQueue[];
  table: dynamodb.TableV2;
  email?: string;
}

const FIVE_MINUTES = Duration.minutes(5);

export class ServiceAlarms extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: cw.Alarm[] = [];

  constructor(scope: Construct, id: string, props: ServiceAlarmsProps) {
    super(scope, id);
    // Unencrypted on purpose: CloudWatch can publish to an encrypted topic only with a key whose policy
    // lets cloudwatch.amazonaws.com use it, which the AWS managed alias/aws/sns key never does (alarm
    // notifications to it are dropped); a customer managed key would bill every month for messages that
    // carry alarm names, descriptions and metric values only, never job data or secrets.
    this.topic = new sns.Topic(this, 'Topic', { displayName: 'Terrakube Jobs API alarms', enforceSSL: true });
    acknowledge(this.topic, 'AwsSolutions-SNS2',
      'The alarm topic carries alarm names, descriptions and metric values only (no job data, no secrets); CloudWatch cannot publish to a topic under the AWS managed SNS key, and a customer managed key would bill monthly for nothing to protect.');
    // enforceSSL gives the topic a policy of its own, which replaces SNS's default one: CloudWatch
    // alarms of this account are allowed to publish explicitly.
    const stack = Stack.of(this);
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) },
        },
      }),
    );
    if (props.email) this.topic.addSubscription(new subscriptions.EmailSubscription(props.email));

    this.alarm('Api5xx', 'The API answered 5xx (a bug: every client error is a 4xx)', props.api.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum' }));
    this.alarm('FunctionErrors', 'A function reported an error (the function is named in its log group)', lambda.Function.metricAllErrors({ period: FIVE_MINUTES, statistic: 'Sum' }));
    this.alarm('FunctionThrottles', 'A function was throttled (raise the account concurrency or reserve some)', lambda.Function.metricAllThrottles({ period: FIVE_MINUTES, statistic: 'Sum' }));
    this.alarm('RunsFailed', 'Job run executions failed (a task failed beyond its retries)', props.stateMachine.metricFailed({ period: FIVE_MINUTES }));
    this.alarm('RunsTimedOut', 'Job run executions timed out', props.stateMachine.metricTimedOut({ period: FIVE_MINUTES }));
    props.deadLetterQueues.forEach((queue, index) =>
      this.alarm(`DeadLetters${index + 1}`, 'Events waiting in a dead-letter queue (a run start, a run event or a VCS delivery was not processed)', queue.metricApproximateNumberOfMessagesVisible({ period: FIVE_MINUTES, statistic: 'Maximum' })),
    );
    const throttleEvents = ['ReadThrottleEvents', 'WriteThrottleEvents'].map((name) => props.table.metric(name, { period: FIVE_MINUTES, statistic: 'Sum' }));
    this.alarm('TableThrottled', 'DynamoDB throttled reads or writes of the table', sum(throttleEvents));
    this.alarm(
      'JobsFailing',
      'Three or more jobs failed within 15 minutes (a broken executor, missing credentials or an unreachable VCS; the job outputs say why)',
      serviceMetric(METRIC.jobsFailed, { period: Duration.minutes(15), statistic: 'Sum' }),
      3,
    );
  }

  private alarm(id: string, description: string, metric: cw.IMetric, threshold = 1): void {
    const alarm = new cw.Alarm(this, id, {
      alarmDescription: description,
      metric,
      threshold,
      evaluationPeriods: 1,
      comparisonOperator: cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // Nothing happening is fine: idle costs nothing and alarms nobody.
      treatMissingData: cw.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new actions.SnsAction(this.topic));
    this.alarms.push(alarm);
  }
}

function sum(metrics: cw.IMetric[]): cw.IMetric {
  if (metrics.length === 1) return metrics[0] as cw.IMetric;
  const usingMetrics = Object.fromEntries(metrics.map((m, i) => [`m${i}`, m]));
  return new cw.MathExpression({ expression: Object.keys(usingMetrics).join(' + '), usingMetrics, period: FIVE_MINUTES });
}

/** One of the service's own metrics (published by the functions as EMF), the total or for one `via`. */
export function serviceMetric(name: string, options: cw.MetricOptions & { via?: string } = {}): cw.Metric {
  const { via, ...rest } = options;
  return new cw.Metric({
    namespace: METRICS_NAMESPACE,
    metricName: name,
    dimensionsMap: { service: SERVICE_NAME, ...(via ? { via } : {}) },
    period: FIVE_MINUTES,
    statistic: 'Sum',
    ...rest,
  });
}
