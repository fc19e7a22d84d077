import { tfeHandler } from '../../shared/tfe/http';
import { get } from '../../shared/tfe/configuration-versions';

export const handler = tfeHandler(get);
