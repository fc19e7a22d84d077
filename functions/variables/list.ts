import { apiHandler } from '../../shared/http/api-handler';
import { listVariables } from '../../shared/resources/variables';

export const handler = apiHandler(listVariables);
