import { apiHandler } from '../../../shared/http/api-handler';
import { workspacePath } from '../../../shared/resources/schedules';

export const handler = apiHandler(workspacePath.remove);
