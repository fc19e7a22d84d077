import { apiHandler } from '../../shared/http/api-handler';
import { getStep } from '../../shared/resources/steps';

export const handler = apiHandler(getStep);
