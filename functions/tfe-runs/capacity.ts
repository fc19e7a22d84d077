import { tfeHandler } from '../../shared/tfe/http';
import { getCapacity } from '../../shared/tfe/organizations';

export const handler = tfeHandler(getCapacity);
