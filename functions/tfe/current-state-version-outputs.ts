import { tfeHandler } from '../../shared/tfe/http';
import { currentOutputs } from '../../shared/tfe/state-versions';

export const handler = tfeHandler(currentOutputs);
