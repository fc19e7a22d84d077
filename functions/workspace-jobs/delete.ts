import { apiHandler } from '../../shared/http/api-handler';
import { deleteWorkspaceJob } from '../../shared/resources/workspace-jobs';

export const handler = apiHandler(deleteWorkspaceJob);
