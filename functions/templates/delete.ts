import { apiHandler } from '../../shared/http/api-handler';
import { deleteTemplate } from '../../shared/resources/templates';

export const handler = apiHandler(deleteTemplate);
