/** The KMS commands the secret box sends (loaded on first use; why a module of its own: ./s3.ts). */
export { DecryptCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
