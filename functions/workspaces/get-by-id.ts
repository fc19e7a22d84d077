import { apiHandler } from '../../shared/http/api-handler';
import { getWorkspaceById } from '../../shared/resources/root-reads';

export const handler = apiHandler(getWorkspaceById);
