import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { terraformIndex } from '../../shared/resources/iac-versions';

export const handler = async (): Promise<APIGatewayProxyStructuredResultV2> => {
  const res = await terraformIndex();
  return { statusCode: res.status, headers: res.headers, body: res.body as string };
};
