import { apiHandler } from '../../shared/http/api-handler';
import { orgParam } from '../../shared/resources/common';
import { deleteJob, jobIdParam } from '../../shared/resources/jobs';

export const handler = apiHandler((req) => deleteJob(req, orgParam(req), jobIdParam(req)));
