import { apiHandler } from '../../shared/http/api-handler';
import { createTeam } from '../../shared/resources/teams';

export const handler = apiHandler(createTeam, { body: true });
