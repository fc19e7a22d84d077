import { apiHandler } from '../../shared/http/api-handler';
import { listWorkspaces } from '../../shared/resources/workspaces';

export const handler = apiHandler(listWorkspaces);
