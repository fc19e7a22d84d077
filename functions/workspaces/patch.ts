import { apiHandler } from '../../shared/http/api-handler';
import { updateWorkspace } from '../../shared/resources/workspaces';

export const handler = apiHandler(updateWorkspace, { body: true });
