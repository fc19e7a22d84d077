/**
 * The bucket for step logs, plans, step contexts, workspace state (and its versions) and the
 * configurations the terraform CLI uploads: encrypted, versioned (state),
 * private, TLS only, with lifecycle rules per kind of object and its own access-log bucket.
 */
import { CfnResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledge } from '../nag';

export class ArtifactsBucket extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: { retain: boolean }) {
    super(scope, id);
    const removal = props.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const accessLogs = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(365) }],
      removalPolicy: removal,
      autoDeleteObjects: !props.retain,
    });
    acknowledge(accessLogs, 'AwsSolutions-S1', 'This bucket receives the access logs of the artifacts bucket; logging it too would recurse.');
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'artifacts/',
      removalPolicy: removal,
      autoDeleteObjects: !props.retain,
      lifecycleRules: [
        { id: 'step-contexts', prefix: 'runs/', expiration: Duration.days(1), noncurrentVersionExpiration: Duration.days(1) },
        { id: 'plans', prefix: 'plans/', expiration: Duration.days(30), noncurrentVersionExpiration: Duration.days(1) },
        { id: 'logs', prefix: 'logs/', expiration: Duration.days(365), noncurrentVersionExpiration: Duration.days(1) },
        { id: 'state-history', prefix: 'state/', noncurrentVersionExpiration: Duration.days(90) },
        // A workspace's provider cache: rebuilt by its next step when it expired; a rewrite's old copy is not kept.
        { id: 'provider-caches', prefix: 'cache/', expiration: Duration.days(60), noncurrentVersionExpiration: Duration.days(1) },
        // What the terraform CLI uploads for a run: its plan and apply need it; a month is plenty.
        { id: 'configurations', prefix: 'configurations/', expiration: Duration.days(30), noncurrentVersionExpiration: Duration.days(1) },
        { id: 'uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
        // What expiring a current version leaves behind once its noncurrent version is gone.
        { id: 'delete-markers', expiredObjectDeleteMarker: true },
      ],
    });
    if (!props.retain) this.retainAutoDeleteLogs();
  }

  /**
   * Throwaway stacks empty their buckets on delete through CDK's auto-delete function, whose log group
   * Lambda would create without a retention: it logs into one of the stack's, with one.
   */
  private retainAutoDeleteLogs(): void {
    const stack = Stack.of(this);
    const provider = stack.node.tryFindChild('Custom::S3AutoDeleteObjectsCustomResourceProvider');
    const handler = provider?.node.tryFindChild('Handler');
    if (!provider || !(handler instanceof CfnResource)) throw new Error('CDK\'s auto-delete function was not found: its log group needs a retention');
    const group = new logs.LogGroup(provider, 'Logs', { retention: logs.RetentionDays.ONE_WEEK, removalPolicy: RemovalPolicy.DESTROY });
    handler.addPropertyOverride('LoggingConfig', { LogGroup: group.logGroupName });
  }

  /** ARN pattern of the objects under one prefix (runs/, plans/, logs/, state/). */
  objects(prefix: string): string {
    return this.bucket.arnForObjects(`${prefix}*`);
  }
}
