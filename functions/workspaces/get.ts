import { apiHandler } from '../../shared/http/api-handler';
import * as workspaces from '../../shared/resources/workspaces';

export const handler = apiHandler(workspaces.get);
