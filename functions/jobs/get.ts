import { apiHandler } from '../../shared/http/api-handler';
import { JOB_READ_QUERY } from '../../shared/resources/jobs';
import * as jobs from '../../shared/resources/jobs';

export const handler = apiHandler(jobs.get, { query: JOB_READ_QUERY });
