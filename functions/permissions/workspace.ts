import { apiHandler } from '../../shared/http/api-handler';
import { workspacePermissions } from '../../shared/resources/permissions';

export const handler = apiHandler(workspacePermissions);
