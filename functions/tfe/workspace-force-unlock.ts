import { tfeHandler } from '../../shared/tfe/http';
import { forceUnlock } from '../../shared/tfe/workspaces';

export const handler = tfeHandler(forceUnlock, { body: 'optional' });
