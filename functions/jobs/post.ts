import { apiHandler } from '../../shared/http/api-handler';
import { orgParam } from '../../shared/resources/common';
import { postJob } from '../../shared/resources/jobs';

export const handler = apiHandler((req) => postJob(req, orgParam(req)), { body: true });
