import { tfeHandler } from '../../shared/tfe/http';
import { lock } from '../../shared/tfe/workspaces';

export const handler = tfeHandler(lock, { body: 'optional' });
