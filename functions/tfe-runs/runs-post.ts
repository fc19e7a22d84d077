import { tfeHandler } from '../../shared/tfe/http';
import { create } from '../../shared/tfe/runs';

export const handler = tfeHandler(create, { body: true });
