import { publicHandler } from '../../shared/http/public-handler';
import { getApiReference } from '../../shared/resources/api-reference';

export const handler = publicHandler(getApiReference);
