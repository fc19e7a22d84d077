import { apiHandler } from '../../shared/http/api-handler';
import * as jobs from '../../shared/resources/jobs';

export const handler = apiHandler(jobs.create, { body: true });
