import { apiHandler } from '../../shared/http/api-handler';
import { getStepLog } from '../../shared/resources/jobs';

export const handler = apiHandler(getStepLog);
