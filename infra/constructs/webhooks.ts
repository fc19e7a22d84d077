/**
 * VCS webhooks in AWS (contract §7): a KMS key that seals webhook secrets, and the processor that creates
 * the job of an accepted delivery and starts its run. The receiver (which must answer within GitHub's
 * 10 s) invokes the processor asynchronously: Lambda's event queue holds and retries the delivery, and a
 * dead-letter queue keeps what still fails. Nothing polls, so nothing bills while no delivery comes.
 * The API routes get their part through `grantSeal` / `grantReceive`.
 */
import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ProcessorEnv, type EnvironmentOf } from '../../shared/env';
import { LEASE_SECONDS } from '../../shared/store/repositories/deliveries';
import { acknowledge } from '../nag';
import type { JobsTable } from './jobs-table';
import { ServiceFunction } from './service-function';

export interface WebhooksProps {
  table: JobsTable;
  /** The processor's environment (table, state machine): it creates jobs and starts their runs. */
  environment: EnvironmentOf<typeof ProcessorEnv>;
  /** The job run state machine: the processor starts the run of the job it created. */
  stateMachineArn: string;
}

const PROCESSOR_TIMEOUT = Duration.seconds(60);

export class Webhooks extends Construct {
  readonly key: kms.Key;
  readonly deadLetters: sqs.Queue;
  readonly processor: ServiceFunction;

  constructor(scope: Construct, id: string, props: WebhooksProps) {
    super(scope, id);
    this.key = new kms.Key(this, 'SecretKey', {
      enableKeyRotation: true,
      description: 'Seals VCS webhook signing secrets (encryption context: webhookId)',
    });

    this.deadLetters = new sqs.Queue(this, 'DeadLetters', { enforceSSL: true, encryption: sqs.QueueEncryption.SQS_MANAGED, retentionPeriod: Duration.days(14) });
    acknowledge(this.deadLetters, 'AwsSolutions-SQS3', 'This queue is the on-failure destination of the webhook processor; it has no DLQ of its own.');

    this.processor = new ServiceFunction(this, 'Processor', {
      entry: 'functions/webhooks/process.ts',
      description: 'Creates the job of an accepted VCS webhook delivery and starts its run',
      env: ProcessorEnv,
      environment: props.environment,
      timeout: PROCESSOR_TIMEOUT,
    });
    props.table.grantRead(this.processor.role);
    props.table.grantWrite(this.processor.role);
    iam.Grant.addToPrincipal({ grantee: this.processor.role, actions: ['states:StartExecution'], resourceArns: [props.stateMachineArn] });
    // Lambda retries a failed event after about 1 and then 2 more minutes: the last retry comes after a
    // crashed attempt's lease has lapsed, so it takes over. Throttled events wait up to the event age.
    if (LEASE_SECONDS >= 180) throw new Error('a delivery lease must lapse before the processor retries for the last time');
    this.processor.fn.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new SqsDestination(this.deadLetters),
    });
  }

  /** Creating and rotating webhooks: encrypt, only with a webhookId encryption context. */
  grantSeal(grantee: iam.IGrantable): void {
    this.grantKey(grantee, 'kms:Encrypt');
  }

  /** The receiver: open secrets and hand accepted deliveries to the processor. */
  grantReceive(grantee: iam.IGrantable): void {
    this.grantKey(grantee, 'kms:Decrypt');
    iam.Grant.addToPrincipal({ grantee, actions: ['lambda:InvokeFunction'], resourceArns: [this.processor.fn.functionArn] });
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
