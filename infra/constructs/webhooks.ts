/**
 * VCS webhooks in AWS (contract §7): a KMS key that seals webhook secrets, the queue between the
 * receiver (which must answer within GitHub's 10 s) and the processor that creates the job and starts
 * its run, and that processor. The API routes get their part through `grantSeal` / `grantReceive`.
 */
import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { ApiEnv } from '../../shared/env';
import { LEASE_SECONDS } from '../../shared/webhooks/deliveries';
import { acknowledge } from '../nag';
import type { JobsTable } from './jobs-table';
import { ServiceFunction } from './service-function';

export interface WebhooksProps {
  table: JobsTable;
  /** The API functions' environment (table, state machine …): the processor creates jobs like they do. */
  environment: ApiEnv & Record<string, string>;
  /** The job run state machine: the processor starts the run of the job it created. */
  stateMachineArn: string;
}

const PROCESSOR_TIMEOUT = Duration.seconds(60);

export class Webhooks extends Construct {
  readonly key: kms.Key;
  readonly queue: sqs.Queue;
  readonly deadLetters: sqs.Queue;
  readonly processor: ServiceFunction;

  constructor(scope: Construct, id: string, props: WebhooksProps) {
    super(scope, id);
    this.key = new kms.Key(this, 'SecretKey', {
      enableKeyRotation: true,
      description: 'Seals VCS webhook signing secrets (encryption context: webhookId)',
    });

    this.deadLetters = new sqs.Queue(this, 'DeadLetters', { enforceSSL: true, encryption: sqs.QueueEncryption.SQS_MANAGED, retentionPeriod: Duration.days(14) });
    acknowledge(this.deadLetters, 'AwsSolutions-SQS3', 'This queue is the dead-letter queue of the webhook deliveries queue; it has no DLQ of its own.');
    this.queue = new sqs.Queue(this, 'Deliveries', {
      enforceSSL: true,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      // Six times the processor's timeout (AWS's advice), and longer than a delivery's lease, so a
      // message retried after a crashed attempt finds that attempt's lease lapsed and takes over.
      visibilityTimeout: Duration.seconds(Math.max(6 * PROCESSOR_TIMEOUT.toSeconds(), 2 * LEASE_SECONDS)),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetters, maxReceiveCount: 5 },
    });

    this.processor = new ServiceFunction(this, 'Processor', {
      entry: 'functions/webhooks/process.ts',
      description: 'Creates the job of an accepted VCS webhook delivery and starts its run',
      environment: props.environment,
      timeout: PROCESSOR_TIMEOUT,
    });
    props.table.grantRead(this.processor.role);
    props.table.grantWrite(this.processor.role);
    iam.Grant.addToPrincipal({ grantee: this.processor.role, actions: ['states:StartExecution'], resourceArns: [props.stateMachineArn] });
    this.processor.fn.addEventSource(new SqsEventSource(this.queue, { batchSize: 10, reportBatchItemFailures: true }));
  }

  /** Creating and rotating webhooks: encrypt, only with a webhookId encryption context. */
  grantSeal(grantee: iam.IGrantable): void {
    this.grantKey(grantee, 'kms:Encrypt');
  }

  /** The receiver: open secrets and queue accepted deliveries. */
  grantReceive(grantee: iam.IGrantable): void {
    this.grantKey(grantee, 'kms:Decrypt');
    iam.Grant.addToPrincipal({ grantee, actions: ['sqs:SendMessage'], resourceArns: [this.queue.queueArn] });
  }

  private grantKey(grantee: iam.IGrantable, action: string): void {
    iam.Grant.addToPrincipal({
      grantee,
      actions: [action],
      resourceArns: [this.key.keyArn],
      conditions: { Null: { 'kms:EncryptionContext:webhookId': 'false' } },
    });
  }
}
