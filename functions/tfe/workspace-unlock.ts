import { tfeHandler } from '../../shared/tfe/http';
import { unlock } from '../../shared/tfe/workspaces';

export const handler = tfeHandler(unlock, { body: 'optional' });
