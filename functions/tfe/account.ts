import { tfeHandler } from '../../shared/tfe/http';
import { accountDetails } from '../../shared/tfe/discovery';

export const handler = tfeHandler(accountDetails);
