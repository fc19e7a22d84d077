import { tfeHandler } from '../../shared/tfe/http';
import { list } from '../../shared/tfe/workspaces';

export const handler = tfeHandler(list);
