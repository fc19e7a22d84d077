import { tfeHandler } from '../../shared/tfe/http';
import { variables } from '../../shared/tfe/workspaces';

export const handler = tfeHandler(variables);
