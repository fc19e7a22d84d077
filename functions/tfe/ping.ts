import { publicTfeHandler } from '../../shared/tfe/http';
import { ping } from '../../shared/tfe/discovery';

export const handler = publicTfeHandler(ping);
