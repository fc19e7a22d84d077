import { apiHandler } from '../../shared/http/api-handler';
import { deleteVariable } from '../../shared/resources/variables';

export const handler = apiHandler(deleteVariable);
