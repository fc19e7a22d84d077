import { apiHandler } from '../../shared/http/api-handler';
import { orgParam } from '../../shared/resources/common';
import { jobIdParam, patchJob } from '../../shared/resources/jobs';

export const handler = apiHandler((req) => patchJob(req, orgParam(req), jobIdParam(req)), { body: true });
