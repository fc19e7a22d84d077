import { tfeHandler } from '../../shared/tfe/http';
import { get } from '../../shared/tfe/runs';

export const handler = tfeHandler(get);
