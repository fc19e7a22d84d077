import { apiHandler } from '../../shared/http/api-handler';
import { getWorkspace } from '../../shared/resources/workspaces';

export const handler = apiHandler(getWorkspace);
