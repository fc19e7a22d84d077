import { apiHandler } from '../../shared/http/api-handler';
import { getTemplate } from '../../shared/resources/templates';

export const handler = apiHandler(getTemplate);
