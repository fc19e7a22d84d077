import { apiHandler } from '../../shared/http/api-handler';
import { jobContextStream } from '../../shared/resources/job-context';

export const handler = apiHandler(jobContextStream);
