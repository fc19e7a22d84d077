import { apiHandler } from '../../shared/http/api-handler';
import * as variables from '../../shared/resources/variables';

export const handler = apiHandler(variables.get);
