import { apiHandler } from '../../shared/http/api-handler';
import { createTemplate } from '../../shared/resources/templates';

export const handler = apiHandler(createTemplate, { body: true });
