import { apiHandler } from '../../shared/http/api-handler';
import { graphqlQuery } from '../../shared/graphql/endpoint';

export const handler = apiHandler(graphqlQuery, { body: true });
