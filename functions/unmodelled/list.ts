import { apiHandler } from '../../shared/http/api-handler';
import { UNMODELLED_QUERY, emptyCollection } from '../../shared/resources/unmodelled';

export const handler = apiHandler(emptyCollection, { query: UNMODELLED_QUERY });
