import { tfeHandler } from '../../shared/tfe/http';
import { getById } from '../../shared/tfe/workspaces';

export const handler = tfeHandler(getById);
