import { apiHandler } from '../../shared/http/api-handler';
import { getTeam } from '../../shared/resources/teams';

export const handler = apiHandler(getTeam);
