import { publicHandler } from '../../shared/http/public-handler';
import { getOpenApiDocument } from '../../shared/openapi/serve';

export const handler = publicHandler(getOpenApiDocument);
