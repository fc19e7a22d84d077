import { apiHandler } from '../../shared/http/api-handler';
import { noDeliveries } from '../../shared/resources/unmodelled';

export const handler = apiHandler(noDeliveries, { query: ['limit'] });
