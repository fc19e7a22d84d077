/**
 * One local endpoint for every AWS service the bundled code calls (the bundles find it through
 * AWS_ENDPOINT_URL_<SERVICE>, as the SDK defines): DynamoDB and its streams are proxied to DynamoDB
 * Local, S3 to an in-process S3 server (@20minutes/s3rver), and Step Functions, Lambda, KMS, Secrets
 * Manager and STS are answered by small stubs for exactly the calls made. Every request is signed with
 * the access key of the role it runs as (each function, the state machine, the executor build), so
 * each call is recorded with its caller, its IAM action(s), resource and condition context: what
 * the IAM check (iam-check.ts) evaluates against the policies in the template.
 */
import { createCipheriv, createDecipheriv, generateKeyPairSync, randomBytes, sign, type KeyPairKeyObjectResult } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface Identity {
  /** Who runs with this key, for messages: a function's description, "state machine", "executor build". */
  label: string;
  /** The IAM role's logical id and stack (iam-check.ts finds its policies). */
  roleKey: string;
}

export interface RecordedCall {
  identity: Identity;
  service: string;
  operation: string;
  action: string;
  resource: string;
  context: Record<string, string | string[]>;
}

export interface ServiceError {
  status: number;
  code: string;
  message: string;
}

export type JsonHandler = (operation: string, body: any, caller: Identity) => Promise<unknown>;

export interface LocalAwsOptions {
  region: string;
  account: string;
  dynamoDbEndpoint: string;
  s3Endpoint: string;
  /**
   * S3's answer to a read of a missing key: 404 NoSuchKey only if the caller may s3:ListBucket with the
   * key as s3:prefix, else 403 AccessDenied (the S3 API reference, GetObject/HeadObject "Permissions").
   */
  mayList: (identity: Identity, bucket: string, key: string) => Promise<boolean>;
  /** Lambda's REST Invoke. */
  invoke: (functionName: string, payload: unknown, invocationType: string, caller: Identity) => Promise<{ status: number; body: string; functionError?: boolean }>;
}

export const serviceError = (status: number, code: string, message: string): ServiceError & Error => Object.assign(new Error(message), { status, code });

export class LocalAws {
  readonly calls: RecordedCall[] = [];
  private readonly identities = new Map<string, Identity>();
  /** AWS JSON protocol services (X-Amz-Target), by signing name: states, kms, secretsmanager. */
  private readonly json: Record<string, JsonHandler> = {};
  private server?: Server;
  endpoint = '';

  constructor(private readonly options: LocalAwsOptions) {}

  /** Credentials that make requests count as `identity`'s. */
  credentials(identity: Identity): { accessKeyId: string; secretAccessKey: string; sessionToken: string } {
    const accessKeyId = `ASIALOCAL${String(this.identities.size + 1).padStart(8, '0')}`;
    this.identities.set(accessKeyId, identity);
    return { accessKeyId, secretAccessKey: 'local-secret', sessionToken: `session-${accessKeyId}` };
  }

  serve(service: string, handler: JsonHandler): void {
    this.json[service] = handler;
  }

  record(identity: Identity, service: string, operation: string, action: string, resource: string, context: Record<string, string | string[]> = {}): void {
    this.calls.push({ identity, service, operation, action, resource, context });
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: Error & Partial<ServiceError>) => {
        if (!res.headersSent) res.writeHead(error.status ?? 500, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify({ __type: error.code ?? 'InternalFailure', message: error.message }));
      });
    });
    await new Promise<void>((ok) => this.server?.listen(0, '127.0.0.1', ok));
    const address = this.server.address() as { port: number };
    this.endpoint = `http://127.0.0.1:${address.port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((ok) => (this.server ? this.server.close(() => ok()) : ok()));
  }

  private caller(req: IncomingMessage): { identity: Identity; service: string } {
    // Signed in the Authorization header, or presigned (X-Amz-Credential in the query: a link to an object).
    const presigned = new URL(req.url ?? '/', 'http://local').searchParams.get('X-Amz-Credential');
    const auth = presigned ? `Credential=${presigned}` : (req.headers.authorization ?? '');
    const match = /Credential=([^/]+)\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(auth);
    if (!match) throw serviceError(403, 'MissingAuthenticationToken', 'the request is not signed (SigV4)');
    const identity = this.identities.get(match[1] as string);
    if (!identity) throw serviceError(403, 'UnrecognizedClientException', `the access key ${match[1]} belongs to no role of the deployment`);
    return { identity, service: match[2] as string };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const { identity, service } = this.caller(req);
    if (service === 'dynamodb') return this.dynamoDb(req, res, body, identity);
    if (service === 's3') return this.s3(req, res, body, identity);
    if (service === 'lambda') return this.lambda(req, res, body, identity);
    if (service === 'sts') return this.sts(res, body, identity);
    const handler = this.json[service];
    if (!handler) throw serviceError(400, 'UnknownService', `no local endpoint for ${service}`);
    const operation = String(req.headers['x-amz-target'] ?? '').split('.').at(-1) ?? '';
    const answer = await handler(operation, JSON.parse(body.toString('utf8') || '{}'), identity);
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify(answer ?? {}));
  }

  private async dynamoDb(req: IncomingMessage, res: ServerResponse, body: Buffer, identity: Identity): Promise<void> {
    const [prefix, operation = ''] = String(req.headers['x-amz-target'] ?? '').split('.');
    const input = JSON.parse(body.toString('utf8') || '{}');
    const table = (name: string) => `arn:aws:dynamodb:${this.options.region}:${this.options.account}:table/${name}`;
    const record = (action: string, resource: string) => this.record(identity, 'dynamodb', operation, `dynamodb:${action}`, resource);
    if (prefix?.startsWith('DynamoDBStreams')) {
      record(operation, input.StreamArn ?? `${table(String(input.TableName ?? '*'))}/stream/*`);
    } else if (operation === 'TransactWriteItems') {
      const actions: Record<string, string> = { Put: 'PutItem', Update: 'UpdateItem', Delete: 'DeleteItem', ConditionCheck: 'ConditionCheckItem' };
      for (const item of input.TransactItems ?? []) for (const [kind, spec] of Object.entries(item)) record(actions[kind] ?? kind, table((spec as { TableName: string }).TableName));
    } else if (operation === 'TransactGetItems') {
      for (const item of input.TransactItems ?? []) record('GetItem', table(item.Get.TableName));
    } else if (operation === 'BatchGetItem' || operation === 'BatchWriteItem') {
      for (const name of Object.keys(input.RequestItems ?? {})) record(operation, table(name));
    } else {
      record(operation, input.IndexName ? `${table(input.TableName)}/index/${input.IndexName}` : table(input.TableName));
    }
    // DynamoDB Local keeps tables per access key: every role's request reaches the one deployment's.
    await forward(this.options.dynamoDbEndpoint, req, res, body, (auth) => auth.replace(/Credential=[^/]+\//, 'Credential=local/'));
  }

  private async s3(req: IncomingMessage, res: ServerResponse, body: Buffer, identity: Identity): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://local');
    const [, bucket = '', ...rest] = decodeURIComponent(url.pathname).split('/');
    const key = rest.join('/');
    const object = `arn:aws:s3:::${bucket}/${key}`;
    const method = req.method ?? 'GET';
    const record = (operation: string, action: string, resource: string, context: Record<string, string> = {}) =>
      this.record(identity, 's3', operation, action, resource, { 'aws:SecureTransport': 'true', ...context });
    if (!key && method === 'GET' && url.searchParams.has('list-type')) record('ListObjectsV2', 's3:ListBucket', `arn:aws:s3:::${bucket}`, { 's3:prefix': url.searchParams.get('prefix') ?? '' });
    else if (!key && method === 'POST' && url.searchParams.has('delete')) {
      for (const [, k] of body.toString('utf8').matchAll(/<Key>([^<]*)<\/Key>/g)) record('DeleteObjects', 's3:DeleteObject', `arn:aws:s3:::${bucket}/${unescapeXml(k as string)}`);
    } else if (key && (method === 'GET' || method === 'HEAD')) record(method === 'GET' ? 'GetObject' : 'HeadObject', url.searchParams.has('versionId') ? 's3:GetObjectVersion' : 's3:GetObject', object);
    else if (key && method === 'PUT' && !req.headers['x-amz-copy-source']) record('PutObject', 's3:PutObject', object);
    else if (key && method === 'DELETE') record('DeleteObject', url.searchParams.has('versionId') ? 's3:DeleteObjectVersion' : 's3:DeleteObject', object);
    else record(`${method} ${url.pathname}${url.search}`, 's3:UnknownOperation', `arn:aws:s3:::${bucket}`);
    const missing = key && (method === 'GET' || method === 'HEAD') ? async () => !(await this.options.mayList(identity, bucket, key)) : undefined;
    // The S3 server knows one access key: the caller's is swapped for it (in a presigned link's query too).
    const credential = url.searchParams.get('X-Amz-Credential');
    if (credential) url.searchParams.set('X-Amz-Credential', credential.replace(/^[^/]+\//, 'S3RVER/'));
    const path = credential ? `${url.pathname}${url.search}` : req.url;
    await forward(this.options.s3Endpoint, req, res, body, (auth) => auth.replace(/Credential=[^/]+\//, 'Credential=S3RVER/'), missing, path);
  }

  private async lambda(req: IncomingMessage, res: ServerResponse, body: Buffer, identity: Identity): Promise<void> {
    const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations/.exec(req.url ?? '');
    if (!match || req.method !== 'POST') throw serviceError(400, 'UnknownOperation', `Lambda ${req.method} ${req.url} is not served locally`);
    const type = String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse');
    const payload = body.length ? JSON.parse(body.toString('utf8')) : {};
    const answer = await this.options.invoke(decodeURIComponent(match[1] as string), payload, type, identity);
    res.writeHead(answer.status, { 'content-type': 'application/json', ...(answer.functionError ? { 'x-amz-function-error': 'Unhandled' } : {}) }).end(answer.body);
  }

  /** GetCallerIdentity only (terraform's S3 backend checks its credentials); needs no permission. */
  private sts(res: ServerResponse, body: Buffer, identity: Identity): void {
    const action = new URLSearchParams(body.toString('utf8')).get('Action');
    if (action !== 'GetCallerIdentity') throw serviceError(400, 'InvalidAction', `STS ${action} is not served locally`);
    const arn = `arn:aws:sts::${this.options.account}:assumed-role/${identity.roleKey.split('/').at(-1)}/local`;
    res.writeHead(200, { 'content-type': 'text/xml' }).end(
      `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>${arn}</Arn><UserId>AROALOCAL:local</UserId><Account>${this.options.account}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>${crypto.randomUUID()}</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
    );
  }
}

function unescapeXml(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((ok, fail) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => ok(Buffer.concat(chunks)));
    req.on('error', fail);
  });
}

/** Proxies a request; `deniedWhenMissing`, for S3 object reads, turns a 404 into the 403 S3 gives a caller that may not list. */
function forward(
  endpoint: string,
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
  authorization: (value: string) => string,
  deniedWhenMissing?: () => Promise<boolean>,
  path = req.url,
): Promise<void> {
  const target = new URL(endpoint);
  return new Promise((ok, fail) => {
    const headers = { ...req.headers, host: target.host, ...(req.headers.authorization ? { authorization: authorization(req.headers.authorization) } : {}) };
    const upstream = httpRequest({ host: target.hostname, port: target.port, method: req.method, path, headers }, async (answer) => {
      if (answer.statusCode === 404 && deniedWhenMissing && (await deniedWhenMissing().catch(() => true))) {
        answer.resume();
        const xml = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>';
        res.writeHead(403, { 'content-type': 'application/xml' }).end(req.method === 'HEAD' ? undefined : xml);
        return ok();
      }
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
      answer.on('end', () => ok());
      answer.on('error', fail);
    });
    upstream.on('error', fail);
    upstream.end(body);
  });
}

/**
 * KMS for Encrypt and Decrypt under the template's keys: AES-256-GCM with the encryption context as
 * associated data, so a ciphertext opens only with the context it was sealed with, as in KMS.
 */
export function kmsStub(aws: LocalAws, keyArnOf: (keyId: string) => string | undefined): JsonHandler {
  const material = randomBytes(32);
  const signingKeys: Record<string, KeyPairKeyObjectResult> = {};
  const aad = (context: Record<string, string> = {}) => Buffer.from(JSON.stringify(Object.keys(context).sort().map((k) => [k, context[k]])));
  const contextKeys = (context: Record<string, string> = {}) => ({
    ...Object.fromEntries(Object.entries(context).map(([k, v]) => [`kms:EncryptionContext:${k}`, v])),
    'kms:EncryptionContextKeys': Object.keys(context),
  });
  return async (operation, body, caller) => {
    if (operation === 'Encrypt') {
      const keyArn = keyArnOf(body.KeyId);
      if (!keyArn) throw serviceError(400, 'NotFoundException', `key ${body.KeyId} does not exist`);
      aws.record(caller, 'kms', operation, 'kms:Encrypt', keyArn, contextKeys(body.EncryptionContext));
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', material, iv).setAAD(aad(body.EncryptionContext));
      const sealed = Buffer.concat([cipher.update(Buffer.from(body.Plaintext, 'base64')), cipher.final()]);
      const blob = Buffer.concat([Buffer.from(keyArn.padEnd(128, ' ')), iv, cipher.getAuthTag(), sealed]);
      return { CiphertextBlob: blob.toString('base64'), KeyId: keyArn, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
    }
    if (operation === 'Decrypt') {
      const blob = Buffer.from(body.CiphertextBlob, 'base64');
      const keyArn = blob.subarray(0, 128).toString().trim();
      if (body.KeyId && keyArnOf(body.KeyId) !== keyArn) throw serviceError(400, 'IncorrectKeyException', 'the ciphertext was not sealed under this key');
      aws.record(caller, 'kms', operation, 'kms:Decrypt', keyArn, contextKeys(body.EncryptionContext));
      try {
        const decipher = createDecipheriv('aes-256-gcm', material, blob.subarray(128, 140)).setAAD(aad(body.EncryptionContext));
        decipher.setAuthTag(blob.subarray(140, 156));
        const plain = Buffer.concat([decipher.update(blob.subarray(156)), decipher.final()]);
        return { Plaintext: plain.toString('base64'), KeyId: keyArn, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
      } catch {
        throw serviceError(400, 'InvalidCiphertextException', 'the ciphertext or its encryption context does not match');
      }
    }
    // An asymmetric signing key (workload identity): RSA, one per key ARN, RSASSA_PKCS1_V1_5_SHA_256 over the raw message.
    if (operation === 'GetPublicKey' || operation === 'Sign') {
      const keyArn = keyArnOf(body.KeyId);
      if (!keyArn) throw serviceError(400, 'NotFoundException', `key ${body.KeyId} does not exist`);
      aws.record(caller, 'kms', operation, `kms:${operation}`, keyArn);
      const pair = (signingKeys[keyArn] ??= generateKeyPairSync('rsa', { modulusLength: 2048 }));
      if (operation === 'GetPublicKey') {
        return { KeyId: keyArn, PublicKey: pair.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'), KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY', SigningAlgorithms: ['RSASSA_PKCS1_V1_5_SHA_256'] };
      }
      if (body.SigningAlgorithm !== 'RSASSA_PKCS1_V1_5_SHA_256' || body.MessageType !== 'RAW') throw serviceError(400, 'ValidationException', 'only RAW RSASSA_PKCS1_V1_5_SHA_256 is served locally');
      return { KeyId: keyArn, Signature: sign('sha256', Buffer.from(body.Message, 'base64'), pair.privateKey).toString('base64'), SigningAlgorithm: body.SigningAlgorithm };
    }
    throw serviceError(400, 'UnknownOperationException', `KMS ${operation} is not served locally`);
  };
}

/** Secrets Manager's GetSecretValue for the template's secrets, with the values the test generated. */
export function secretsStub(aws: LocalAws, secretOf: (secretId: string) => { arn: string; value: string } | undefined): JsonHandler {
  return async (operation, body, caller) => {
    if (operation !== 'GetSecretValue') throw serviceError(400, 'UnknownOperationException', `Secrets Manager ${operation} is not served locally`);
    const secret = secretOf(body.SecretId);
    if (!secret) throw serviceError(400, 'ResourceNotFoundException', `secret ${body.SecretId} does not exist`);
    aws.record(caller, 'secretsmanager', operation, 'secretsmanager:GetSecretValue', secret.arn);
    return { ARN: secret.arn, Name: secret.arn.split(':').at(-1), SecretString: secret.value, VersionId: 'local', VersionStages: ['AWSCURRENT'], CreatedDate: Date.now() / 1000 };
  };
}
