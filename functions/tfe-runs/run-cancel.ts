import { tfeHandler } from '../../shared/tfe/http';
import { cancelRun } from '../../shared/tfe/runs';

export const handler = tfeHandler(cancelRun, { body: 'optional' });
