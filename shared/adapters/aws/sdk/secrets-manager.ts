/** The Secrets Manager command the authorizer sends for the PAT secret (loaded on first use; why a module of its own: ./s3.ts). */
export { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
