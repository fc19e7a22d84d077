/**
 * Port: the key that signs workload identity tokens (RS256). Adapters: an asymmetric KMS key in AWS
 * (the private key never leaves KMS: adapters/aws/kms-token-signer.ts), a key file under the files
 * dir locally (adapters/local/file-token-signer.ts).
 */
import type { JWK } from 'jose';

export interface TokenSigner {
  /** The public key as published in the JWKS (kty, n, e, with kid, alg and use). */
  publicJwk(): Promise<JWK>;
  /** The RSASSA-PKCS1-v1_5 SHA-256 signature of `data` (a JWS signing input). */
  sign(data: Uint8Array): Promise<Uint8Array>;
}
