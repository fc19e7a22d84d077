import { apiHandler } from '../../shared/http/api-handler';
import { getVariable } from '../../shared/resources/variables';

export const handler = apiHandler(getVariable);
