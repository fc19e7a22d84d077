import { publicTfeHandler } from '../../shared/tfe/http';
import { wellKnown } from '../../shared/tfe/discovery';

export const handler = publicTfeHandler(wellKnown);
