import { apiHandler } from '../../shared/http/api-handler';
import * as teams from '../../shared/resources/teams';

export const handler = apiHandler(teams.update, { body: true });
