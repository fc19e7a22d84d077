import { apiHandler } from '../../shared/http/api-handler';
import { updateTemplate } from '../../shared/resources/templates';

export const handler = apiHandler(updateTemplate, { body: true });
