/**
 * Alarms (issue 7): API 5xx, every function's errors and throttles, run failures, dead letters, throttling;
 * and (issue 11) jobs failing in numbers, from the functions' own metrics, with a dashboard of those metrics.
 */
import { JOB_VIA } from '../../shared/domain/records';
import { METRIC } from '../../shared/observability/names';
import { beforeAll, describe, expect, it } from 'vitest';
import { synthesize, type Synthesized } from '../helpers/cdk';
import { simulator } from '../helpers/iam-simulation';

type Json = Record<string, any>;
let synth: Synthesized;
let alarms: Json[];
beforeAll(() => {
  // Also the non-default CORS configuration, asserted at the end (one synth for both).
  synth = synthesize({ alarmEmail: 'oncall@example.com', corsOrigins: ['https://ui.example.com', 'http://localhost:3000'] });
  alarms = Object.values(synth.template.findResources('AWS::CloudWatch::Alarm')).map((a) => (a as Json).Properties);
});

const metricsOf = (alarm: Json): Json[] => (alarm.Metrics ? alarm.Metrics.filter((m: Json) => m.MetricStat).map((m: Json) => m.MetricStat.Metric) : [{ MetricName: alarm.MetricName, Namespace: alarm.Namespace, Dimensions: alarm.Dimensions }]);

describe('alarms', () => {
  it('watches API 5xx, every function, failed and timed-out runs, both dead-letter queues, table throttling and failing jobs', () => {
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
      'TerrakubeJobs/JobsFailed',
    ]);
    // The service total (no via): the functions publish it beside the by-via series.
    const jobsFailed = alarms.find((a) => a.MetricName === METRIC.jobsFailed) as Json;
    expect(jobsFailed).toMatchObject({ Dimensions: [{ Name: 'service', Value: 'terrakube-jobs-api' }], Statistic: 'Sum', Period: 900, Threshold: 3 });
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
      expect(alarm.Threshold).toBe(alarm.MetricName === METRIC.jobsFailed ? 3 : 1);
    }
  });
});

describe('alarm delivery (issue 19 item 4)', () => {
  it('lets this account\'s CloudWatch alarms publish to the topic, which has no key CloudWatch could not use', async () => {
    const sim = simulator(synth);
    const [topic] = sim.assembly.resources('AWS::SNS::Topic');
    if (!topic) throw new Error('no alarm topic');
    // alias/aws/sns (or any key without a statement for CloudWatch) silently drops every notification.
    expect(topic.properties.KmsMasterKeyId).toBeUndefined();
    const arn = sim.assembly.physicalOf(topic);
    for (const alarm of alarms) expect(alarm.AlarmActions.map((a: unknown) => sim.resolve(topic, a))).toEqual([arn]);
    const alarm = (account: string) => `cloudwatch.amazonaws.com|arn:aws:cloudwatch:eu-west-1:${account}:alarm:JobsFailing`;
    expect(await sim.decide(alarm('123456789012'), 'sns:Publish', arn)).toBe('Allowed');
    expect(await sim.decide(alarm('999999999999'), 'sns:Publish', arn)).not.toBe('Allowed');
    expect(await sim.decide(alarm('123456789012'), 'sns:Publish', arn, { 'aws:SecureTransport': 'false' })).not.toBe('Allowed');
  });
});

describe('dashboard', () => {
  it('graphs every job and webhook metric, jobs by via and the health figures, inside the free tier of 50 metrics', () => {
    const [dashboard] = Object.values(synth.template.findResources('AWS::CloudWatch::Dashboard')) as Json[];
    const body = JSON.stringify(dashboard?.Properties.DashboardBody);
    for (const name of Object.values(METRIC)) expect(body, name).toContain(`\\"${name}\\"`);
    for (const via of JOB_VIA) expect(body, via).toContain(`\\"via\\",\\"${via}\\"`);
    for (const name of ['5xx', 'Errors', 'Throttles', 'ExecutionsFailed']) expect(body, name).toContain(name);
    const metricCount = body.match(/\\"(TerrakubeJobs|AWS\/[A-Za-z]+)\\"/g)?.length ?? 0;
    expect(metricCount).toBeGreaterThan(20);
    expect(metricCount).toBeLessThanOrEqual(50);
  });
});

describe('CORS (issue 18)', () => {
  it('configures the HTTP API to answer preflights for the configured origins, with Authorization, PATCH and DELETE allowed', () => {
    const api = Object.values(synth.template.findResources('AWS::ApiGatewayV2::Api'))[0] as Json;
    const cors = api.Properties.CorsConfiguration;
    expect(cors.AllowOrigins).toEqual(['https://ui.example.com', 'http://localhost:3000']);
    expect(cors.AllowCredentials).toBe(true);
    expect(cors.AllowHeaders).toEqual(expect.arrayContaining(['Authorization', 'Content-Type', 'Last-Event-ID']));
    expect(cors.AllowMethods).toEqual(expect.arrayContaining(['PATCH', 'DELETE', 'POST', 'GET']));
  });
});
