import { tfeHandler } from '../../shared/tfe/http';
import { create } from '../../shared/tfe/state-versions';

export const handler = tfeHandler(create, { body: true });
