import { apiHandler } from '../../shared/http/api-handler';
import { deleteOrganization } from '../../shared/resources/organizations';

export const handler = apiHandler(deleteOrganization);
