import { tfeHandler } from '../../shared/tfe/http';
import { events } from '../../shared/tfe/runs';

export const handler = tfeHandler(events);
