import { tfeHandler } from '../../shared/tfe/http';
import { listOfWorkspace } from '../../shared/tfe/runs';

export const handler = tfeHandler(listOfWorkspace);
