import { apiHandler } from '../../shared/http/api-handler';
import { JOB_LIST_QUERY } from '../../shared/resources/job-list';
import { listWorkspaceJobs } from '../../shared/resources/workspace-jobs';

export const handler = apiHandler(listWorkspaceJobs, { query: JOB_LIST_QUERY });
