/** The webhook parts of the stack: the sealing key, the deliveries queue, the processor, and who may use them. */
import { beforeAll, describe, expect, it } from 'vitest';
import { Match } from 'aws-cdk-lib/assertions';
import { ROUTES } from '../../shared/routes';
import { actionsOf, synthesize, type Synthesized } from '../helpers/cdk';

let synth: Synthesized;
beforeAll(() => {
  synth = synthesize();
});

const PROCESSOR = 'Creates the job of an accepted VCS webhook delivery and starts its run';

describe('webhooks in the CDK stack', () => {
  it('seals secrets with a rotating KMS key and queues deliveries on an encrypted, TLS-only queue with a DLQ', () => {
    synth.template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true, Description: Match.stringLikeRegexp('webhook') });
    synth.template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 360,
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue(), maxReceiveCount: 5 },
    });
    synth.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { FunctionResponseTypes: ['ReportBatchItemFailures'], BatchSize: 10 });
    expect(synth.nagViolations).toEqual([]);
  });

  it('gives the receiver Decrypt and SendMessage, webhook writers Encrypt, and readers neither', () => {
    const actions = (method: string, path: string) => actionsOf(synth.template, `${method} ${path}`);
    const receiver = actions('POST', '/webhook/v1/{webhookId}');
    expect(receiver).toEqual(expect.arrayContaining(['kms:Decrypt', 'sqs:SendMessage', 'dynamodb:PutItem', 'dynamodb:Query']));
    expect(receiver).not.toContain('kms:Encrypt');
    const collection = '/api/v1/organization/{orgId}/workspace/{workspaceId}/webhook';
    expect(actions('POST', collection)).toContain('kms:Encrypt');
    expect(actions('PATCH', `${collection}/{webhookId}`)).toContain('kms:Encrypt');
    for (const [method, path] of [['GET', collection], ['GET', `${collection}/{webhookId}`], ['DELETE', `${collection}/{webhookId}`], ['POST', `${collection}/{webhookId}/events`]]) {
      expect(actions(method as string, path as string).filter((a) => a.startsWith('kms:') || a.startsWith('sqs:')), `${method} ${path}`).toEqual([]);
    }
    const processor = actionsOf(synth.template, PROCESSOR);
    expect(processor).toEqual(expect.arrayContaining(['states:StartExecution', 'dynamodb:UpdateItem', 'sqs:ReceiveMessage', 'sqs:DeleteMessage']));
    expect(processor).not.toContain('kms:Decrypt');
  });

  it('hands the API functions the key and the queue, and makes the receiver a public route', () => {
    synth.template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'POST /webhook/v1/{webhookId}',
      Environment: { Variables: Match.objectLike({ WEBHOOK_KEY_ID: Match.anyValue(), WEBHOOK_QUEUE_URL: Match.anyValue() }) },
    });
    synth.template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /webhook/v1/{webhookId}', AuthorizationType: 'NONE' });
    expect(ROUTES.find((r) => r.path === '/webhook/v1/{webhookId}')?.publicReason).toBeTruthy();
  });
});
