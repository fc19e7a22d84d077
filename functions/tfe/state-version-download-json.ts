import { tfeHandler } from '../../shared/tfe/http';
import { downloadJson } from '../../shared/tfe/state-versions';

export const handler = tfeHandler(downloadJson);
