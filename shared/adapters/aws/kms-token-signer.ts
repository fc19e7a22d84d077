/**
 * Workload identity tokens signed by an asymmetric KMS key (RSA_2048, SIGN_VERIFY): kms:Sign for
 * Advance, kms:GetPublicKey for the JWKS route; the private key never leaves KMS. The client loads on
 * first use, so functions that never sign do not pay for it at cold start.
 */
import { createPublicKey } from 'node:crypto';
import type { KMSClient } from '@aws-sdk/client-kms';
import type { TokenSigner } from '../../ports/token-signer';
import { publishedJwk } from '../../identity/jwk';
import { traced } from '../../observability/powertools';

export function kmsTokenSigner(keyId: string): TokenSigner {
  let loaded: Promise<{ kms: typeof import('./sdk/kms-signing'); client: KMSClient }> | undefined;
  const sdk = () => (loaded ??= import('./sdk/kms-signing').then((kms) => ({ kms, client: traced(new kms.KMSClient({})) })));
  let jwk: ReturnType<TokenSigner['publicJwk']> | undefined;
  return {
    publicJwk: () =>
      (jwk ??= sdk().then(async ({ kms, client }) => {
        const { PublicKey } = await client.send(new kms.GetPublicKeyCommand({ KeyId: keyId }));
        if (!PublicKey) throw new Error('KMS returned no public key');
        return publishedJwk(createPublicKey({ key: Buffer.from(PublicKey), format: 'der', type: 'spki' }));
      })).catch((error: unknown) => {
        jwk = undefined; // a failed read is tried again by the next request
        throw error;
      }),
    async sign(data) {
      const { kms, client } = await sdk();
      const { Signature } = await client.send(
        new kms.SignCommand({ KeyId: keyId, Message: data, MessageType: 'RAW', SigningAlgorithm: 'RSASSA_PKCS1_V1_5_SHA_256' }),
      );
      if (!Signature) throw new Error('KMS returned no signature');
      return Signature;
    },
  };
}
