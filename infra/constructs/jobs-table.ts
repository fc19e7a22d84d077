/** The one DynamoDB table (keys: shared/store/keys.ts): on demand, PITR, encrypted, TTL. */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { TABLE_SCHEMA } from '../../shared/store/table-schema';

export interface JobsTableProps {
  /** Protects the table from deletion (default true). */
  deletionProtection?: boolean;
}

const READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:ConditionCheckItem'];
const WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];

export class JobsTable extends Construct {
  readonly table: dynamodb.TableV2;

  constructor(scope: Construct, id: string, props: JobsTableProps = {}) {
    super(scope, id);
    const string = dynamodb.AttributeType.STRING;
    const protect = props.deletionProtection ?? true;
    this.table = new dynamodb.TableV2(this, 'Table', {
      partitionKey: { name: TABLE_SCHEMA.partitionKey, type: string },
      sortKey: { name: TABLE_SCHEMA.sortKey, type: string },
      billing: dynamodb.Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryptionV2.awsManagedKey(),
      deletionProtection: protect,
      removalPolicy: protect ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      timeToLiveAttribute: TABLE_SCHEMA.timeToLiveAttribute,
      // Feeds the safety net that starts the run of every job handed a workspace.
      dynamoStream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
      globalSecondaryIndexes: TABLE_SCHEMA.globalSecondaryIndexes.map((i) => ({
        indexName: i.indexName,
        partitionKey: { name: i.partitionKey, type: string },
        sortKey: { name: i.sortKey, type: string },
        projectionType: dynamodb.ProjectionType.ALL,
      })),
    });
  }

  /** The table and each index by name: no wildcard resources. */
  private resources(): string[] {
    return [this.table.tableArn, ...TABLE_SCHEMA.globalSecondaryIndexes.map((i) => `${this.table.tableArn}/index/${i.indexName}`)];
  }

  grantRead(grantee: iam.IGrantable): void {
    iam.Grant.addToPrincipal({ grantee, actions: READ_ACTIONS, resourceArns: this.resources() });
  }

  grantWrite(grantee: iam.IGrantable): void {
    iam.Grant.addToPrincipal({ grantee, actions: WRITE_ACTIONS, resourceArns: [this.table.tableArn] });
  }
}
