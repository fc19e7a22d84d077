import { apiHandler } from '../../shared/http/api-handler';
import { patchWorkspaceRelationship } from '../../shared/resources/workspace-relationships';

export const handler = apiHandler(patchWorkspaceRelationship, { body: true });
