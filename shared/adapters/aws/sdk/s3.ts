/**
 * The S3 commands the artifact store sends, and the presigner. Adapters load this module on first use
 * (`import('./sdk/s3')`): a dynamic import of the SDK package itself would keep all of its hundred-odd
 * commands and their schemas in the bundle (esbuild cannot tree-shake a namespace it hands out whole),
 * while this module's named re-exports keep only these. The same holds for each module here.
 */
export {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
export { getSignedUrl } from '@aws-sdk/s3-request-presigner';
