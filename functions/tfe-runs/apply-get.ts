import { tfeHandler } from '../../shared/tfe/http';
import { getApply } from '../../shared/tfe/phases';

export const handler = tfeHandler(getApply);
