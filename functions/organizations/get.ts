import { apiHandler } from '../../shared/http/api-handler';
import * as organizations from '../../shared/resources/organizations';

export const handler = apiHandler(organizations.get);
