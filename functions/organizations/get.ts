import { apiHandler } from '../../shared/http/api-handler';
import { getOrganization } from '../../shared/resources/organizations';

export const handler = apiHandler(getOrganization);
