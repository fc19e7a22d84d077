import { tfeHandler } from '../../shared/tfe/http';
import { getEntitlements } from '../../shared/tfe/organizations';

export const handler = tfeHandler(getEntitlements);
