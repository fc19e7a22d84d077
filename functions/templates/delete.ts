import { apiHandler } from '../../shared/http/api-handler';
import * as templates from '../../shared/resources/templates';

export const handler = apiHandler(templates.remove);
