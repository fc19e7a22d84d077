import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { boot } from '../../shared/env';
import { observed } from '../../shared/observability/lambda';
import { terraformIndex } from '../../shared/resources/iac-versions';

boot('api');
export const handler = observed(async (): Promise<APIGatewayProxyStructuredResultV2> => {
  const res = await terraformIndex();
  return { statusCode: res.status, headers: res.headers, body: res.body as string };
});
