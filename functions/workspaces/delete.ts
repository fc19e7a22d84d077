import { apiHandler } from '../../shared/http/api-handler';
import { deleteWorkspace } from '../../shared/resources/workspaces';

export const handler = apiHandler(deleteWorkspace);
