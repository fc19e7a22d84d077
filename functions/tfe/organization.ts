import { tfeHandler } from '../../shared/tfe/http';
import { getOrganization } from '../../shared/tfe/organizations';

export const handler = tfeHandler(getOrganization);
