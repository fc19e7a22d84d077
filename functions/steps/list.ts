import { apiHandler } from '../../shared/http/api-handler';
import { listSteps } from '../../shared/resources/steps';

export const handler = apiHandler(listSteps);
