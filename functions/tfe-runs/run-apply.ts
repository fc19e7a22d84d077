import { tfeHandler } from '../../shared/tfe/http';
import { applyRun } from '../../shared/tfe/runs';

export const handler = tfeHandler(applyRun, { body: 'optional' });
