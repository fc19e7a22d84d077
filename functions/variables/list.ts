import { apiHandler } from '../../shared/http/api-handler';
import { variables } from '../../shared/resources/variables';

export const handler = apiHandler(variables.list);
