/**
 * Creates the table in DynamoDB Local (`npm start`, the tests, the bench; CDK creates it in AWS) when it
 * does not exist yet, and adds any index a newer version of the key design introduced to an older table.
 */
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, UpdateTableCommand, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { attributeDefinitions, createTableInput, indexDefinition, TABLE_SCHEMA } from './table-schema';

export async function ensureTable(tableName: string): Promise<void> {
  const client = new DynamoDBClient({});
  try {
    let existing: string[] | undefined;
    try {
      const described = await client.send(new DescribeTableCommand({ TableName: tableName }));
      existing = (described.Table?.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName ?? '');
    } catch (error) {
      if ((error as { name?: string }).name !== 'ResourceNotFoundException') throw error;
    }
    if (!existing) {
      await client.send(new CreateTableCommand(createTableInput(tableName)));
      await client.send(
        new UpdateTimeToLiveCommand({
          TableName: tableName,
          TimeToLiveSpecification: { AttributeName: TABLE_SCHEMA.timeToLiveAttribute, Enabled: true },
        }),
      );
      return;
    }
    for (const index of TABLE_SCHEMA.globalSecondaryIndexes.filter((i) => !existing.includes(i.indexName))) {
      await client.send(
        new UpdateTableCommand({
          TableName: tableName,
          AttributeDefinitions: attributeDefinitions(),
          GlobalSecondaryIndexUpdates: [{ Create: indexDefinition(index) }],
        }),
      );
    }
  } finally {
    client.destroy();
  }
}
