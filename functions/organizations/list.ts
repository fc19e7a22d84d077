import { apiHandler } from '../../shared/http/api-handler';
import { listOrganizations } from '../../shared/resources/organizations';

export const handler = apiHandler(listOrganizations);
