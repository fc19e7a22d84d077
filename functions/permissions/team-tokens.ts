import { apiHandler } from '../../shared/http/api-handler';
import { teamTokens } from '../../shared/resources/permissions';

export const handler = apiHandler(teamTokens);
