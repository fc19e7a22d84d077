import { apiHandler } from '../../shared/http/api-handler';
import { patchWorkspaceJob } from '../../shared/resources/workspace-jobs';

export const handler = apiHandler(patchWorkspaceJob, { body: true });
