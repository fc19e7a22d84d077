/**
 * The personal access token signing secret: an environment variable locally, a Secrets Manager secret
 * in AWS (read once per container, never logged).
 */
import type { AuthorizerEnv } from '../env';
import { traced } from '../observability/powertools';

let fromSecretsManager: Promise<string> | undefined;

export async function patSecret(env: AuthorizerEnv): Promise<string | undefined> {
  if (env.TERRAKUBE_PAT_SECRET) return env.TERRAKUBE_PAT_SECRET;
  if (!env.PAT_SECRET_ARN) return undefined;
  fromSecretsManager ??= (async () => {
    const { SecretsManagerClient, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
    const res = await traced(new SecretsManagerClient({})).send(new GetSecretValueCommand({ SecretId: env.PAT_SECRET_ARN }));
    if (!res.SecretString) throw new Error('the PAT secret is empty');
    return res.SecretString;
  })().catch((error) => {
    fromSecretsManager = undefined;
    throw error;
  });
  return fromSecretsManager;
}
