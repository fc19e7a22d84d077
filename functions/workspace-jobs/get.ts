import { apiHandler } from '../../shared/http/api-handler';
import { JOB_READ_QUERY } from '../../shared/resources/jobs';
import * as workspaceJobs from '../../shared/resources/workspace-jobs';

export const handler = apiHandler(workspaceJobs.get, { query: JOB_READ_QUERY });
