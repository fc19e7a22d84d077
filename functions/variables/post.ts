import { apiHandler } from '../../shared/http/api-handler';
import { createVariable } from '../../shared/resources/variables';

export const handler = apiHandler(createVariable, { body: true });
