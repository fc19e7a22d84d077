import { apiHandler } from '../../shared/http/api-handler';
import { getStep } from '../../shared/resources/jobs';

export const handler = apiHandler(getStep);
