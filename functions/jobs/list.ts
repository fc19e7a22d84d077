import { apiHandler } from '../../shared/http/api-handler';
import { JOB_LIST_QUERY } from '../../shared/resources/job-list';
import * as jobs from '../../shared/resources/jobs';

export const handler = apiHandler(jobs.list, { query: JOB_LIST_QUERY });
