import { tfeHandler } from '../../shared/tfe/http';
import { getPlan } from '../../shared/tfe/phases';

export const handler = tfeHandler(getPlan);
