import { publicTfeHandler } from '../../shared/tfe/http';
import { readLog } from '../../shared/tfe/phases';

export const handler = publicTfeHandler(readLog);
