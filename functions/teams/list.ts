import { apiHandler } from '../../shared/http/api-handler';
import { listTeams } from '../../shared/resources/teams';

export const handler = apiHandler(listTeams);
