/** The webhook parts of the stack: the sealing key, the processor with its retries and dead letters, and who may use them. */
import { beforeAll, describe, expect, it } from 'vitest';
import { Match } from 'aws-cdk-lib/assertions';
import { ROUTES } from '../../shared/routes';
import { sharedSynth, type SharedSynth } from '../helpers/shared-synth';
import { actionsOf } from '../helpers/template';

let synth: SharedSynth;
beforeAll(async () => {
  synth = await sharedSynth('default');
});

const PROCESSOR = 'Creates the job of an accepted VCS webhook delivery and starts its run';

describe('webhooks in the CDK stack', () => {
  it('seals secrets with a rotating KMS key; the processor is invoked asynchronously, retried, then dead-lettered', () => {
    synth.template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true, Description: Match.stringLikeRegexp('webhook') });
    synth.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 6 * 3600,
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
    synth.template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 86_400 });
    // Nothing polls for deliveries: no event source mapping but the two on the table's stream (the
    // runner's safety net, and the live status fan-out in its nested stack, where the ARN is a parameter).
    const mappings = Object.values(synth.template.findResources('AWS::Lambda::EventSourceMapping'));
    expect(mappings.map((m) => m.Properties.EventSourceArn['Fn::GetAtt']?.[1] ?? 'StreamArn')).toEqual(['StreamArn', 'StreamArn']);
    expect(synth.nagViolations).toEqual([]);
  });

  it('gives the receiver Decrypt and InvokeFunction, webhook writers Encrypt, and readers neither', () => {
    const actions = (method: string, path: string) => actionsOf(synth.template, `${method} ${path}`);
    const receiver = actions('POST', '/webhook/v1/{webhookId}');
    expect(receiver).toEqual(expect.arrayContaining(['kms:Decrypt', 'lambda:InvokeFunction', 'dynamodb:PutItem', 'dynamodb:Query']));
    expect(receiver).not.toContain('kms:Encrypt');
    const collection = '/api/v1/organization/{orgId}/workspace/{workspaceId}/webhook';
    expect(actions('POST', collection)).toContain('kms:Encrypt');
    expect(actions('PATCH', `${collection}/{webhookId}`)).toContain('kms:Encrypt');
    for (const [method, path] of [['GET', collection], ['GET', `${collection}/{webhookId}`], ['DELETE', `${collection}/{webhookId}`], ['POST', `${collection}/{webhookId}/events`]]) {
      expect(actions(method as string, path as string).filter((a) => a.startsWith('kms:') || a.startsWith('lambda:')), `${method} ${path}`).toEqual([]);
    }
    const processor = actionsOf(synth.template, PROCESSOR);
    expect(processor).toEqual(expect.arrayContaining(['states:StartExecution', 'dynamodb:UpdateItem', 'sqs:SendMessage']));
    expect(processor).not.toContain('kms:Decrypt');
  });

  it('hands the API functions the key and the processor, and makes the receiver a public route', () => {
    synth.template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'POST /webhook/v1/{webhookId}',
      Environment: { Variables: Match.objectLike({ WEBHOOK_KEY_ID: Match.anyValue(), WEBHOOK_PROCESSOR_FUNCTION: Match.anyValue() }) },
    });
    synth.template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /webhook/v1/{webhookId}', AuthorizationType: 'NONE' });
    expect(ROUTES.find((r) => r.path === '/webhook/v1/{webhookId}')?.publicReason).toBeTruthy();
  });
});
