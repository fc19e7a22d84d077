/**
 * Sealed webhook secrets in AWS: KMS encrypts them directly (a secret is 43 bytes, well under KMS's
 * 4 KiB) with the encryption context, so a sealed secret only opens for the webhook it belongs to and
 * every use is in CloudTrail. The client is loaded on first use so functions that never seal stay light.
 */
import type { KMSClient } from '@aws-sdk/client-kms';
import type { SecretBox } from '../../ports/secret-box';
import { awsCall } from './transient';
import { traced } from '../../observability/powertools';

const KMS_PREFIX = 'kms:v1:';

export function kmsSecretBox(keyId: string): SecretBox {
  let loaded: Promise<typeof import('./sdk/kms') & { client: KMSClient }> | undefined;
  const kms = () => (loaded ??= import('./sdk/kms').then((m) => ({ ...m, client: traced(new m.KMSClient({})) })));
  return {
    async seal(plaintext, context) {
      const { client, EncryptCommand } = await kms();
      const res = await awsCall(() => client.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from(plaintext, 'utf8'), EncryptionContext: context })));
      if (!res.CiphertextBlob) throw new Error('KMS returned no ciphertext');
      return KMS_PREFIX + Buffer.from(res.CiphertextBlob).toString('base64');
    },
    async open(sealed, context) {
      if (!sealed.startsWith(KMS_PREFIX)) throw new Error('this webhook secret was not sealed by KMS');
      const { client, DecryptCommand } = await kms();
      const res = await awsCall(() =>
        client.send(new DecryptCommand({ KeyId: keyId, CiphertextBlob: Buffer.from(sealed.slice(KMS_PREFIX.length), 'base64'), EncryptionContext: context })),
      );
      if (!res.Plaintext) throw new Error('KMS returned no plaintext');
      return Buffer.from(res.Plaintext).toString('utf8');
    },
  };
}
