import { tfeHandler } from '../../shared/tfe/http';
import { update } from '../../shared/tfe/workspaces';

export const handler = tfeHandler(update, { body: true });
