/** HTTP API Lambda authorizer (simple responses): verifies the bearer token, passes the caller on. */
import { authorizerHandler } from '../shared/auth/authorizer';

export const handler = authorizerHandler();
