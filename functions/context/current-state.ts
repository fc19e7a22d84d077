import { apiHandler } from '../../shared/http/api-handler';
import { currentStateFile } from '../../shared/tfe/state-versions';

export const handler = apiHandler(currentStateFile);
