import { apiHandler } from '../../shared/http/api-handler';
import { getWorkspaceJob } from '../../shared/resources/workspace-jobs';

export const handler = apiHandler(getWorkspaceJob, { query: ['include'] });
