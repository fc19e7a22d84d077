import { apiHandler } from '../../shared/http/api-handler';
import { updateVariable } from '../../shared/resources/variables';

export const handler = apiHandler(updateVariable, { body: true });
