import { tfeHandler } from '../../shared/tfe/http';
import { getByName } from '../../shared/tfe/workspaces';

export const handler = tfeHandler(getByName);
