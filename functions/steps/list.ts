import { apiHandler } from '../../shared/http/api-handler';
import * as steps from '../../shared/resources/steps';

export const handler = apiHandler(steps.list);
