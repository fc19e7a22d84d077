import { apiHandler } from '../../shared/http/api-handler';
import { templates } from '../../shared/resources/templates';

export const handler = apiHandler(templates.remove);
