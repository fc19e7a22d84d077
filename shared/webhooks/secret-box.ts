/**
 * The port that keeps webhook secrets sealed at rest. In AWS (WEBHOOK_KEY_ID set) KMS encrypts them
 * directly (a secret is 43 bytes, well under KMS's 4 KiB) with the encryption context, so a sealed
 * secret only opens for the webhook it belongs to and every use is in CloudTrail. Locally there is no
 * KMS: AES-256-GCM under a key derived (HKDF) from TERRAKUBE_PAT_SECRET, the context as associated data.
 * Plaintexts are never logged; callers hand them only to the signature check or the create/rotate answer.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { awsCall } from '../adapters/aws/transient';
import { ApiEnv, AuthorizerEnv, readEnv } from '../env';

export type SealContext = Record<string, string>;

export interface SecretBox {
  seal(plaintext: string, context: SealContext): Promise<string>;
  open(sealed: string, context: SealContext): Promise<string>;
}

const KMS_PREFIX = 'kms:v1:';
const LOCAL_PREFIX = 'local:v1:';

/** A new webhook secret: 32 random bytes, base64url (what the VCS provider is configured with). */
export const newWebhookSecret = (): string => randomBytes(32).toString('base64url');

let current: { keyId: string | undefined; box: SecretBox } | undefined;

export function secretBox(): SecretBox {
  const keyId = readEnv(ApiEnv).WEBHOOK_KEY_ID;
  if (!current || current.keyId !== keyId) current = { keyId, box: keyId ? kmsBox(keyId) : localBox() };
  return current.box;
}

/** Canonical associated data: the same context in any key order gives the same bytes. */
const contextBytes = (context: SealContext) =>
  Buffer.from(JSON.stringify(Object.keys(context).sort().map((k) => [k, context[k]])), 'utf8');

function localBox(): SecretBox {
  const key = () => {
    const secret = readEnv(AuthorizerEnv).TERRAKUBE_PAT_SECRET;
    if (!secret) throw new Error('webhook secrets need WEBHOOK_KEY_ID (KMS) or TERRAKUBE_PAT_SECRET (local) to be set');
    return Buffer.from(hkdfSync('sha256', secret, 'terrakube-webhook-secrets', 'aes-256-gcm', 32));
  };
  return {
    async seal(plaintext, context) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key(), iv).setAAD(contextBytes(context));
      const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return LOCAL_PREFIX + Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64url');
    },
    async open(sealed, context) {
      if (!sealed.startsWith(LOCAL_PREFIX)) throw new Error('this webhook secret was not sealed locally');
      const raw = Buffer.from(sealed.slice(LOCAL_PREFIX.length), 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', key(), raw.subarray(0, 12)).setAAD(contextBytes(context));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    },
  };
}

/** KMS, with the client loaded on first use so functions that never seal stay light. */
function kmsBox(keyId: string): SecretBox {
  let client: Promise<typeof import('@aws-sdk/client-kms') & { kms: import('@aws-sdk/client-kms').KMSClient }> | undefined;
  const kms = () =>
    (client ??= import('@aws-sdk/client-kms').then((m) => ({ ...m, kms: new m.KMSClient({}) })));
  return {
    async seal(plaintext, context) {
      const { kms: c, EncryptCommand } = await kms();
      const res = await awsCall(() => c.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from(plaintext, 'utf8'), EncryptionContext: context })));
      if (!res.CiphertextBlob) throw new Error('KMS returned no ciphertext');
      return KMS_PREFIX + Buffer.from(res.CiphertextBlob).toString('base64');
    },
    async open(sealed, context) {
      if (!sealed.startsWith(KMS_PREFIX)) throw new Error('this webhook secret was not sealed by KMS');
      const { kms: c, DecryptCommand } = await kms();
      const res = await awsCall(() => c.send(new DecryptCommand({
        KeyId: keyId,
        CiphertextBlob: Buffer.from(sealed.slice(KMS_PREFIX.length), 'base64'),
        EncryptionContext: context,
      })));
      if (!res.Plaintext) throw new Error('KMS returned no plaintext');
      return Buffer.from(res.Plaintext).toString('utf8');
    },
  };
}
