/**
 * The personal access token signing secret: an environment variable locally, a Secrets Manager secret
 * in AWS (read once per container, never logged).
 */
import { traced } from '../observability/powertools';

let fromSecretsManager: Promise<string> | undefined;

/** `secret` (local) wins; else the Secrets Manager secret `secretArn` (AWS); neither: PATs are not accepted. */
export async function patSecret(source: { secret?: string; secretArn?: string }): Promise<string | undefined> {
  if (source.secret) return source.secret;
  if (!source.secretArn) return undefined;
  fromSecretsManager ??= (async () => {
    const { SecretsManagerClient, GetSecretValueCommand } = await import('../adapters/aws/sdk/secrets-manager');
    const res = await traced(new SecretsManagerClient({})).send(new GetSecretValueCommand({ SecretId: source.secretArn }));
    if (!res.SecretString) throw new Error('the PAT secret is empty');
    return res.SecretString;
  })().catch((error) => {
    fromSecretsManager = undefined;
    throw error;
  });
  return fromSecretsManager;
}
