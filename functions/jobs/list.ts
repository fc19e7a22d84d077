import { apiHandler } from '../../shared/http/api-handler';
import { JOB_LIST_QUERY, listOrganizationJobs } from '../../shared/resources/job-list';

export const handler = apiHandler(listOrganizationJobs, { query: JOB_LIST_QUERY });
