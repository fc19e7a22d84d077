import { apiHandler } from '../../shared/http/api-handler';
import { organizationPermissions } from '../../shared/resources/permissions';

export const handler = apiHandler(organizationPermissions);
