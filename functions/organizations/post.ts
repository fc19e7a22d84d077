import { apiHandler } from '../../shared/http/api-handler';
import { createOrganization } from '../../shared/resources/organizations';

export const handler = apiHandler(createOrganization, { body: true });
