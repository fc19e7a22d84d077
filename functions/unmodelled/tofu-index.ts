import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { tofuIndex } from '../../shared/resources/iac-versions';

export const handler = async (): Promise<APIGatewayProxyStructuredResultV2> => {
  const res = await tofuIndex();
  return { statusCode: res.status, headers: res.headers, body: res.body as string };
};
