/**
 * The AWS SDK's default credential provider as the Lambda bundles have it (infra/bundling.ts aliases
 * @aws-sdk/credential-provider-node to this module). Lambda hands a function its role's credentials in
 * its environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), the first link of the
 * SDK's default chain; the rest of that chain (SSO, shared ini files, credential processes, web identity
 * tokens, container and instance metadata, with the STS and SSO clients they bring) is never reached
 * there, yet it was about 130 KB of every bundle. The tests, `npm start` and the executor keep the SDK's
 * full chain; the cloud-assembly test runs the bundles with credentials in their environment, as Lambda does.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';

export const defaultProvider = (init: Parameters<typeof fromEnv>[0] = {}) => fromEnv(init);
