import { apiHandler } from '../../shared/http/api-handler';
import { updateOrganization } from '../../shared/resources/organizations';

export const handler = apiHandler(updateOrganization, { body: true });
