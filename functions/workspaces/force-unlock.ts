import { apiHandler } from '../../shared/http/api-handler';
import { forceUnlockState } from '../../shared/resources/workspace-state';

export const handler = apiHandler(forceUnlockState);
