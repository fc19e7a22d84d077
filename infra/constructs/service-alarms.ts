/**
 * Alarms for what must never go unnoticed (issue 7): API 5xx answers, function errors and throttles,
 * failed or timed-out job executions, messages in a dead-letter queue, and DynamoDB throttling. They
 * notify one SNS topic (subscribe an address with `-c alarmEmail=...`). Function metrics are summed in
 * groups of ten per alarm (metric math allows ten metrics), so a dozen alarms cover every function.
 */
import { Duration } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface ServiceAlarmsProps {
  api: apigw.HttpApi;
  functions: lambda.IFunction[];
  stateMachine: sfn.StateMachine;
  deadLetterQueues: sqs.IQueue[];
  table: dynamodb.TableV2;
  email?: string;
}

const FIVE_MINUTES = Duration.minutes(5);
const GROUP = 10;

export class ServiceAlarms extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: cw.Alarm[] = [];

  constructor(scope: Construct, id: string, props: ServiceAlarmsProps) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'Terrakube Jobs API alarms',
      enforceSSL: true,
      masterKey: kms.Alias.fromAliasName(this, 'SnsKey', 'alias/aws/sns'),
    });
    if (props.email) this.topic.addSubscription(new subscriptions.EmailSubscription(props.email));

    this.alarm('Api5xx', 'The API answered 5xx (a bug: every client error is a 4xx)', props.api.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum' }));
    for (let i = 0; i < props.functions.length; i += GROUP) {
      const group = props.functions.slice(i, i + GROUP);
      const n = i / GROUP + 1;
      this.alarm(`FunctionErrors${n}`, `Functions ${i + 1}-${i + group.length} reported errors`, sum(group.map((f) => f.metricErrors({ period: FIVE_MINUTES }))));
      this.alarm(`FunctionThrottles${n}`, `Functions ${i + 1}-${i + group.length} were throttled`, sum(group.map((f) => f.metricThrottles({ period: FIVE_MINUTES }))));
    }
    this.alarm('RunsFailed', 'Job run executions failed (a task failed beyond its retries)', props.stateMachine.metricFailed({ period: FIVE_MINUTES }));
    this.alarm('RunsTimedOut', 'Job run executions timed out', props.stateMachine.metricTimedOut({ period: FIVE_MINUTES }));
    props.deadLetterQueues.forEach((queue, index) =>
      this.alarm(`DeadLetters${index + 1}`, 'Events waiting in a dead-letter queue (a run start, a run event or a VCS delivery was not processed)', queue.metricApproximateNumberOfMessagesVisible({ period: FIVE_MINUTES, statistic: 'Maximum' })),
    );
    const operations = ['GetItem', 'BatchGetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem', 'TransactWriteItems', 'BatchWriteItem'];
    this.alarm('TableThrottled', 'DynamoDB throttled requests of the table', sum(operations.map((operation) => props.table.metric('ThrottledRequests', { dimensionsMap: { TableName: props.table.tableName, Operation: operation }, period: FIVE_MINUTES, statistic: 'Sum' }))));
  }

  private alarm(id: string, description: string, metric: cw.IMetric): void {
    const alarm = new cw.Alarm(this, id, {
      alarmDescription: description,
      metric,
      threshold: 1,
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
