import { tfeHandler } from '../../shared/tfe/http';
import { create } from '../../shared/tfe/workspaces';

export const handler = tfeHandler(create, { body: true });
