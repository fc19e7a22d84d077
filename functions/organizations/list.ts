import { apiHandler } from '../../shared/http/api-handler';
import { organizations } from '../../shared/resources/organizations';

export const handler = apiHandler(organizations.list);
