import { tfeHandler } from '../../shared/tfe/http';
import { getRunQueue } from '../../shared/tfe/organizations';

export const handler = tfeHandler(getRunQueue);
