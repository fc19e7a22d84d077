import { apiHandler } from '../../shared/http/api-handler';
import * as schedules from '../../shared/resources/schedules';

export const handler = apiHandler(schedules.list);
