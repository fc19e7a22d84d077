/** Settings of the local runtime (`npm start`), from the environment. */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseCorsOrigins } from '../shared/http/cors';

export interface LocalConfig {
  port: number;
  /** Where DynamoDB Local keeps its file; undefined means in memory. */
  dynamoDbPath?: string;
  /** Where logs, plans, state and checkouts go (a temporary folder in memory mode). */
  filesDir: string;
  dataDir?: string;
  tableName: string;
  patSecret: string;
  /** The secret was generated (and kept in the data dir), not given by the user. */
  generatedSecret: boolean;
  timeouts: { stepSeconds: number; approvalSeconds: number };
  /** A DynamoDB (Local) already running, used instead of starting one (TERRAKUBE_DYNAMODB_ENDPOINT). */
  dynamoDbEndpoint?: string;
  adminGroup: string;
  /** Browser origins allowed to call the API (TERRAKUBE_CORS_ORIGINS, comma-separated). */
  corsOrigins: string[];
  /** HTTPS instead of HTTP on PORT (TERRAKUBE_TLS_CERT_FILE, TERRAKUBE_TLS_KEY_FILE: PEM files), for the terraform CLI. */
  tls?: { cert: Buffer; key: Buffer };
}

function tlsFiles(): LocalConfig['tls'] {
  const certFile = process.env.TERRAKUBE_TLS_CERT_FILE || undefined;
  const keyFile = process.env.TERRAKUBE_TLS_KEY_FILE || undefined;
  if (!certFile && !keyFile) return undefined;
  if (!certFile || !keyFile) throw new Error('set both TERRAKUBE_TLS_CERT_FILE and TERRAKUBE_TLS_KEY_FILE (PEM files) to serve HTTPS');
  return { cert: readFileSync(certFile), key: readFileSync(keyFile) };
}

function seconds(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a whole number of seconds`);
  return value;
}

export function defaultDataDir(): string {
  return process.env.TERRAKUBE_DATA_DIR ?? './.data';
}

export function readPatSecret(dataDir: string | undefined): string | undefined {
  if (process.env.TERRAKUBE_PAT_SECRET) return process.env.TERRAKUBE_PAT_SECRET;
  if (!dataDir) return undefined;
  const file = join(dataDir, 'pat-secret');
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}

export function loadConfig(): LocalConfig {
  const raw = defaultDataDir();
  const inMemory = raw === 'memory';
  const dataDir = inMemory ? undefined : resolve(raw);
  if (dataDir) mkdirSync(join(dataDir, 'dynamodb'), { recursive: true });
  const filesDir = dataDir ?? mkdtempSync(join(tmpdir(), 'terrakube-'));

  let patSecret = readPatSecret(dataDir);
  const generatedSecret = !process.env.TERRAKUBE_PAT_SECRET;
  if (!patSecret) {
    patSecret = randomBytes(48).toString('base64url');
    if (dataDir) {
      const file = join(dataDir, 'pat-secret');
      writeFileSync(file, patSecret, { mode: 0o600 });
      chmodSync(file, 0o600);
    }
  }
  const port = Number(process.env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, got ${process.env.PORT}`);
  return {
    port,
    dynamoDbPath: dataDir ? join(dataDir, 'dynamodb') : undefined,
    filesDir,
    dataDir,
    tableName: process.env.TABLE_NAME ?? 'terrakube',
    patSecret,
    generatedSecret,
    timeouts: {
      stepSeconds: seconds('TERRAKUBE_STEP_TIMEOUT_SECONDS', 3600),
      approvalSeconds: seconds('TERRAKUBE_APPROVAL_TIMEOUT_SECONDS', 86_400),
    },
    dynamoDbEndpoint: process.env.TERRAKUBE_DYNAMODB_ENDPOINT || undefined,
    adminGroup: process.env.TERRAKUBE_ADMIN_GROUP ?? 'TERRAKUBE_ADMIN',
    corsOrigins: parseCorsOrigins(process.env.TERRAKUBE_CORS_ORIGINS),
    tls: tlsFiles(),
  };
}

/** What the service's own code reads (shared/env.ts, local schema): `npm start` runs every role in this process. */
export function exportServiceEnvironment(config: LocalConfig, dynamoDbEndpoint: string): void {
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: dynamoDbEndpoint,
    TABLE_NAME: config.tableName,
    TERRAKUBE_PAT_SECRET: config.patSecret,
    TERRAKUBE_MODE: 'local',
    TERRAKUBE_FILES_DIR: config.filesDir,
    TERRAKUBE_STEP_TIMEOUT_SECONDS: String(config.timeouts.stepSeconds),
    TERRAKUBE_APPROVAL_TIMEOUT_SECONDS: String(config.timeouts.approvalSeconds),
    // Workload identity tokens name the server's own URL (a verifier fetches its JWKS there), unless set.
    TERRAKUBE_ISSUER_URL: process.env.TERRAKUBE_ISSUER_URL || `${config.tls ? 'https' : 'http'}://localhost:${config.port}`,
  });
}

/** What an executor child process inherits from `npm start` (never the service's secrets). */
export function executorBaseEnvironment(): Record<string, string> {
  const pick = (name: string) => (process.env[name] ? { [name]: process.env[name] as string } : {});
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    LANG: process.env.LANG ?? 'C.UTF-8',
    ...pick('TF_CLI_CONFIG_FILE'),
    ...pick('TF_PLUGIN_CACHE_DIR'),
  };
}

/** Settings every local process (server, tests, token script) needs for the AWS SDK. */
export function localAwsEnvironment(): void {
  process.env.AWS_REGION ??= 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
}
