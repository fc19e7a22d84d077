import { jwks } from '../../shared/identity/openid';
import { publicTfeHandler } from '../../shared/tfe/http';

export const handler = publicTfeHandler(jwks);
