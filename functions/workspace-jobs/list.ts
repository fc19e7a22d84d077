import { apiHandler } from '../../shared/http/api-handler';
import { JOB_LIST_QUERY } from '../../shared/resources/job-list';
import * as workspaceJobs from '../../shared/resources/workspace-jobs';

export const handler = apiHandler(workspaceJobs.list, { query: JOB_LIST_QUERY });
