import { apiHandler } from '../../shared/http/api-handler';
import { listTemplates } from '../../shared/resources/templates';

export const handler = apiHandler(listTemplates);
