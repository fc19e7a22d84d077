import { apiHandler } from '../../shared/http/api-handler';
import { listSteps } from '../../shared/resources/jobs';

export const handler = apiHandler(listSteps);
