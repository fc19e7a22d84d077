/**
 * Port: keeps webhook secrets sealed at rest, bound to a context (the webhook id) so a sealed secret
 * opens only for its webhook. Adapters: KMS in AWS (adapters/aws/kms-secret-box.ts), AES-256-GCM
 * locally (adapters/local/aes-secret-box.ts). Plaintexts are never logged.
 */
export type SealContext = Record<string, string>;

export interface SecretBox {
  seal(plaintext: string, context: SealContext): Promise<string>;
  open(sealed: string, context: SealContext): Promise<string>;
}
