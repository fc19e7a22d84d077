import { tfeHandler } from '../../shared/tfe/http';
import { download } from '../../shared/tfe/state-versions';

export const handler = tfeHandler(download);
