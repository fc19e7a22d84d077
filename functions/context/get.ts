import { apiHandler } from '../../shared/http/api-handler';
import { jobContext } from '../../shared/resources/job-context';

export const handler = apiHandler(jobContext);
