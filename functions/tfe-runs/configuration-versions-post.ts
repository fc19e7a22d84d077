import { tfeHandler } from '../../shared/tfe/http';
import { create } from '../../shared/tfe/configuration-versions';

export const handler = tfeHandler(create, { body: true });
