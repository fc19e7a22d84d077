/** The Lambda command the delivery queue sends (loaded on first use; why a module of its own: ./s3.ts). */
export { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
