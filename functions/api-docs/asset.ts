import { publicHandler } from '../../shared/http/public-handler';
import { getApiReferenceFile } from '../../shared/resources/api-reference';

export const handler = publicHandler(getApiReferenceFile);
