import { apiHandler } from '../../shared/http/api-handler';
import { createWorkspace } from '../../shared/resources/workspaces';

export const handler = apiHandler(createWorkspace, { body: true });
