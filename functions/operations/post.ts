import { apiHandler } from '../../shared/http/api-handler';
import { postOperations } from '../../shared/resources/operations';

export const handler = apiHandler(postOperations, { body: true });
