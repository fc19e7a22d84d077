import { tfeHandler } from '../../shared/tfe/http';
import { get } from '../../shared/tfe/state-versions';

export const handler = tfeHandler(get);
