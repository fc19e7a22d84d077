import { apiHandler } from '../../shared/http/api-handler';
import { currentTeams } from '../../shared/resources/permissions';

export const handler = apiHandler(currentTeams);
