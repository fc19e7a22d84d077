import { tfeHandler } from '../../shared/tfe/http';
import { getOutput } from '../../shared/tfe/state-versions';

export const handler = tfeHandler(getOutput);
