import { apiHandler } from '../../shared/http/api-handler';
import * as workspaceJobs from '../../shared/resources/workspace-jobs';

export const handler = apiHandler(workspaceJobs.update, { body: true });
