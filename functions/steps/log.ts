import { apiHandler } from '../../shared/http/api-handler';
import { getStepLog } from '../../shared/resources/steps';

export const handler = apiHandler(getStepLog);
