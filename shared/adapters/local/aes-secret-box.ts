/**
 * Sealed webhook secrets locally, where there is no KMS: AES-256-GCM under a key derived (HKDF) from
 * the PAT signing secret, the context as associated data (so a secret opens only for its webhook).
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { SealContext, SecretBox } from '../../ports/secret-box';

const LOCAL_PREFIX = 'local:v1:';

/** Canonical associated data: the same context in any key order gives the same bytes. */
export const contextBytes = (context: SealContext) =>
  Buffer.from(
    JSON.stringify(
      Object.keys(context)
        .sort()
        .map((k) => [k, context[k]]),
    ),
    'utf8',
  );

export function aesSecretBox(patSecret: string): SecretBox {
  const key = Buffer.from(hkdfSync('sha256', patSecret, 'terrakube-webhook-secrets', 'aes-256-gcm', 32));
  return {
    async seal(plaintext, context) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(contextBytes(context));
      const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return LOCAL_PREFIX + Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64url');
    },
    async open(sealed, context) {
      if (!sealed.startsWith(LOCAL_PREFIX)) throw new Error('this webhook secret was not sealed locally');
      const raw = Buffer.from(sealed.slice(LOCAL_PREFIX.length), 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12)).setAAD(contextBytes(context));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    },
  };
}
