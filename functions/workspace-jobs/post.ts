import { apiHandler } from '../../shared/http/api-handler';
import { postWorkspaceJob } from '../../shared/resources/workspace-jobs';

export const handler = apiHandler(postWorkspaceJob, { body: true });
