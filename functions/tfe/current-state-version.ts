import { tfeHandler } from '../../shared/tfe/http';
import { current } from '../../shared/tfe/state-versions';

export const handler = tfeHandler(current);
