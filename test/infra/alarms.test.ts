/** Alarms (issue 7): API 5xx, every function's errors and throttles, run failures, dead letters, throttling. */
import { beforeAll, describe, expect, it } from 'vitest';
import { synthesize, type Synthesized } from '../helpers/cdk';

type Json = Record<string, any>;
let synth: Synthesized;
let alarms: Json[];
beforeAll(() => {
  synth = synthesize({ alarmEmail: 'oncall@example.com' });
  alarms = Object.values(synth.template.findResources('AWS::CloudWatch::Alarm')).map((a) => (a as Json).Properties);
});

const metricsOf = (alarm: Json): Json[] => (alarm.Metrics ? alarm.Metrics.filter((m: Json) => m.MetricStat).map((m: Json) => m.MetricStat.Metric) : [{ MetricName: alarm.MetricName, Namespace: alarm.Namespace, Dimensions: alarm.Dimensions }]);

describe('alarms', () => {
  it('watches API 5xx, every function, failed and timed-out runs, both dead-letter queues and table throttling', () => {
    const watched = alarms.flatMap(metricsOf).map((m) => `${m.Namespace}/${m.MetricName}`);
    expect(watched.sort()).toEqual([
      'AWS/ApiGateway/5xx',
      'AWS/DynamoDB/ReadThrottleEvents',
      'AWS/DynamoDB/WriteThrottleEvents',
      'AWS/Lambda/Errors',
      'AWS/Lambda/Throttles',
      'AWS/SQS/ApproximateNumberOfMessagesVisible',
      'AWS/SQS/ApproximateNumberOfMessagesVisible',
      'AWS/States/ExecutionsFailed',
      'AWS/States/ExecutionsTimedOut',
    ]);
  });

  it('watches every function through the account-wide Lambda metrics, and stays in the free tier of 10 alarm metrics', () => {
    const lambdaMetrics = alarms.flatMap(metricsOf).filter((m) => m.Namespace === 'AWS/Lambda');
    for (const metric of lambdaMetrics) expect(metric.Dimensions ?? []).toEqual([]);
    expect(alarms.flatMap(metricsOf).length).toBeLessThanOrEqual(10);
  });

  it('notifies the topic, and stays quiet when nothing happens', () => {
    synth.template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com' });
    for (const alarm of alarms) {
      expect(alarm.AlarmActions).toHaveLength(1);
      expect(alarm.TreatMissingData).toBe('notBreaching');
      expect(alarm.Threshold).toBe(1);
    }
  });
});
