import { openIdConfiguration } from '../../shared/identity/openid';
import { publicTfeHandler } from '../../shared/tfe/http';

export const handler = publicTfeHandler(openIdConfiguration);
