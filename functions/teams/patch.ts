import { apiHandler } from '../../shared/http/api-handler';
import { updateTeam } from '../../shared/resources/teams';

export const handler = apiHandler(updateTeam, { body: true });
