import { apiHandler } from '../../shared/http/api-handler';
import { getJob } from '../../shared/resources/jobs';

export const handler = apiHandler(getJob, { query: ['include'] });
