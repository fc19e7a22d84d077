import { publicTfeHandler } from '../../shared/tfe/http';
import { motd } from '../../shared/tfe/discovery';

export const handler = publicTfeHandler(motd);
