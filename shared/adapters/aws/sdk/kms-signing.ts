/** The KMS commands the workload identity signer sends (loaded on first use; why a module of its own: ./s3.ts). */
export { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
