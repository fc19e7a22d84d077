import { tfeHandler } from '../../shared/tfe/http';
import { discardRun } from '../../shared/tfe/runs';

export const handler = tfeHandler(discardRun, { body: 'optional' });
