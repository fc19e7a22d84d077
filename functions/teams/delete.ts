import { apiHandler } from '../../shared/http/api-handler';
import { deleteTeam } from '../../shared/resources/teams';

export const handler = apiHandler(deleteTeam);
