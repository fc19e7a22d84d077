/**
 * The bucket for step logs, plans, step contexts, workspace state (and its versions) and the
 * configurations the terraform CLI uploads: encrypted, versioned (state),
 * private, TLS only, with lifecycle rules per kind of object and its own access-log bucket.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
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
        // What the terraform CLI uploads for a run: its plan and apply need it; a month is plenty.
        { id: 'configurations', prefix: 'configurations/', expiration: Duration.days(30), noncurrentVersionExpiration: Duration.days(1) },
        { id: 'uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
    });
  }

  /** ARN pattern of the objects under one prefix (runs/, plans/, logs/, state/). */
  objects(prefix: string): string {
    return this.bucket.arnForObjects(`${prefix}*`);
  }
}
