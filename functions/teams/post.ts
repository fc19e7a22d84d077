import { apiHandler } from '../../shared/http/api-handler';
import { teams } from '../../shared/resources/teams';

export const handler = apiHandler(teams.create, { body: true });
