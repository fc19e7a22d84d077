/**
 * The cloud assembly `cdk synth` wrote, deployed on this machine: the tables created in DynamoDB Local
 * from the template's own properties (keys, indexes, stream, TTL), the buckets in an S3 server, one
 * local endpoint for the AWS APIs, the functions run from their code assets by a local Lambda, the
 * state machine by aws-local-stepfunctions, the EventBridge rules and the table stream's event source
 * mapping, and the HTTP API from its routes. Every role gets credentials of its own, so each call is
 * recorded with its caller for the IAM check.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import S3rver from '@20minutes/s3rver';
import { CreateTableCommand, DynamoDBClient, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CloudAssembly, type Resource } from './cloud-assembly';
import { matches } from './events';
import { FunctionUrls } from './function-urls';
import { HttpApi } from './http-api';
import { IamCheck, roleKey } from './iam-check';
import { LambdaRuntime, type FunctionInfo, type InvocationError } from './lambda-runtime';
import { LocalAws, kmsStub, secretsStub, serviceError, type Identity } from './local-aws';
import { StepFunctions } from './step-functions';

type Json = Record<string, any>;
const ROOT = join(import.meta.dirname, '..', '..', '..');

/** `cdk synth` as a deployer runs it (the app of cdk.json, bundling on, `-c` options), into `outdir`; no AWS credentials needed. */
export async function cdkSynth(outdir: string, context: Record<string, string> = {}): Promise<void> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_') && !k.startsWith('CDK_')));
  const options = Object.entries(context).flatMap(([k, v]) => ['-c', `${k}=${v}`]);
  await promisify(execFile)('npx', ['cdk', 'synth', '--quiet', '--no-notices', '--no-version-reporting', ...options, '-o', outdir], {
    cwd: ROOT,
    env: { ...env, AWS_EC2_METADATA_DISABLED: 'true', CDK_DISABLE_LEGACY_EXPORT_WARNING: '1' },
    maxBuffer: 64 * 1024 * 1024,
  });
}

export interface AsyncFailure {
  function: string;
  error: InvocationError;
}

export class LocalDeployment {
  readonly runtime: LambdaRuntime;
  readonly stepFunctions: StepFunctions;
  readonly api: HttpApi;
  /** The template's function URLs (the live log stream). */
  readonly functionUrls: FunctionUrls;
  readonly iam: IamCheck;
  /** Asynchronous invocations that failed after Lambda's retries (they would sit in the on-failure destination). */
  readonly asyncFailures: AsyncFailure[] = [];
  readonly secrets = new Map<string, { arn: string; value: string }>();
  /** What the stream poller was refused (it reads on from where it was). */
  readonly streamErrors: string[] = [];
  private readonly background = new Set<Promise<unknown>>();
  private stopStream = false;
  /** Poll rounds of the stream that found nothing new: settle() waits for the poller to catch up. */
  private idleStreamRounds = 0;
  private streamPoller?: Promise<void>;

  private constructor(readonly assembly: CloudAssembly, readonly aws: LocalAws, private readonly s3: { close(): Promise<void> }, private readonly dataDir: string, private readonly s3Endpoint: string) {
    const identities = new Map<string, Identity>();
    const roleIdentity = (role: Resource): Identity => identities.get(roleKey(role)) ?? { label: role.logicalId, roleKey: roleKey(role) };
    for (const secret of assembly.resources('AWS::SecretsManager::Secret')) {
      this.secrets.set(assembly.physicalOf(secret), { arn: assembly.physicalOf(secret), value: crypto.randomUUID().replace(/-/g, '').repeat(2) });
    }
    // The network of the local deployment: every AWS API at the local endpoint.
    const endpoints = Object.fromEntries(['DYNAMODB', 'S3', 'SFN', 'LAMBDA', 'KMS', 'SECRETS_MANAGER', 'STS'].map((s) => [`AWS_ENDPOINT_URL_${s}`, aws.endpoint]));
    this.runtime = new LambdaRuntime(assembly, aws, roleIdentity, { ...endpoints, AWS_EC2_METADATA_DISABLED: 'true' });
    this.stepFunctions = new StepFunctions(assembly, {
      aws,
      roleIdentity,
      invoke: (name, payload, type, caller) => this.invokeAs(name, payload, type, caller),
      buildEnvironment: { ...endpoints, AWS_EC2_METADATA_DISABLED: 'true', PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LANG: 'C.UTF-8' },
    });
    this.api = new HttpApi(assembly, async (arn, event, sourceArn) => {
      const fn = this.runtime.find(arn);
      if (!fn) throw new Error(`the API invokes ${arn}, which is not a function of the template`);
      this.aws.record({ label: `API Gateway (${sourceArn})`, roleKey: `apigateway.amazonaws.com|${sourceArn}` }, 'lambda', 'Invoke', 'lambda:InvokeFunction', fn.arn);
      return this.runtime.invoke(fn, event);
    });
    this.functionUrls = new FunctionUrls(assembly, aws, (arn) => this.runtime.find(arn), (fn, event, onChunk) => this.runtime.invoke(fn, event, onChunk));
    this.iam = new IamCheck(assembly);
    const keyArn = (id: string) => assembly.resources('AWS::KMS::Key').map((k) => assembly.physicalOf(k, 'Arn')).find((arn) => arn === id || arn.endsWith(`/${id}`));
    aws.serve('states', this.stepFunctions.handler());
    aws.serve('kms', kmsStub(aws, keyArn));
    aws.serve('secretsmanager', secretsStub(aws, (id) => this.secrets.get(id) ?? [...this.secrets.values()].find((s) => s.arn.includes(`:secret:${id}`))));
  }

  static async boot(cdkOut: string, dynamoDbEndpoint: string): Promise<LocalDeployment> {
    const manifest = JSON.parse(readFileSync(join(cdkOut, 'manifest.json'), 'utf8')) as { artifacts: Record<string, { type: string; environment?: string }> };
    const [stackName, stack] = Object.entries(manifest.artifacts).find(([, a]) => a.type === 'aws:cloudformation:stack') ?? [];
    if (!stackName || !stack) throw new Error(`no stack in ${cdkOut}`);
    const region = /^aws:\/\/[^/]+\/(.+)$/.exec(stack.environment ?? '')?.[1];
    const deployment = { account: '123456789012', region: region && region !== 'unknown-region' ? region : 'us-east-1', prefix: `ca${Date.now().toString(36)}`, runtimeAttributes: new Map<string, string>() };
    const assembly = new CloudAssembly(cdkOut, stackName, deployment);

    const dataDir = mkdtempSync(join(tmpdir(), 'cloud-assembly-s3-'));
    const buckets = assembly.resources('AWS::S3::Bucket').map((b) => ({ name: assembly.physicalOf(b) }));
    const s3 = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: dataDir, allowMismatchedSignatures: true, configureBuckets: buckets });
    const { port } = (await s3.run()) as { port: number };
    await createTables(assembly, dynamoDbEndpoint);
    // The Lambda API below calls into the deployment that is created after it.
    const created: { local?: LocalDeployment } = {};
    const aws: LocalAws = new LocalAws({
      region: deployment.region,
      account: deployment.account,
      dynamoDbEndpoint,
      s3Endpoint: `http://127.0.0.1:${port}`,
      invoke: (name, payload, type, caller) => (created.local as LocalDeployment).lambdaApi(name, payload, type, caller),
      mayList: async (identity, bucket, key) =>
        (await (created.local as LocalDeployment).iam.decide({ roleKey: identity.roleKey, action: 's3:ListBucket', resource: `arn:aws:s3:::${bucket}`, context: { 's3:prefix': key, 'aws:SecureTransport': 'true' } })) === 'Allowed',
    });
    await aws.start();
    const local = (created.local = new LocalDeployment(assembly, aws, s3, dataDir, `http://127.0.0.1:${port}`));
    await local.runtime.start();
    await local.api.start();
    await local.functionUrls.start();
    local.startStreamMappings(dynamoDbEndpoint);
    return local;
  }

  /** The credentials aws-local-stepfunctions invokes Task functions with: the state machine's role. */
  stateMachineCredentials(): { accessKeyId: string; secretAccessKey: string; sessionToken: string } {
    const machine = this.assembly.resources('AWS::StepFunctions::StateMachine')[0] as Resource;
    const role = this.assembly.findByPhysical('AWS::IAM::Role', this.assembly.resolve(machine.properties.RoleArn, machine.stack) as string) as Resource;
    return this.aws.credentials({ label: `state machine ${this.assembly.name(machine)}`, roleKey: roleKey(role) });
  }

  /** Lambda's Invoke API. */
  private async lambdaApi(name: string, payload: unknown, type: string, caller: Identity): Promise<{ status: number; body: string; functionError?: boolean }> {
    const fn = this.runtime.find(name);
    if (!fn) throw serviceError(404, 'ResourceNotFoundException', `Function not found: ${name}`);
    this.aws.record(caller, 'lambda', 'Invoke', 'lambda:InvokeFunction', fn.arn);
    if (type === 'Event') {
      this.invokeAsync(fn, payload);
      return { status: 202, body: '' };
    }
    if (type === 'DryRun') return { status: 204, body: '' };
    const { result, error } = await this.runtime.invoke(fn, payload);
    return error ? { status: 200, body: JSON.stringify(error), functionError: true } : { status: 200, body: JSON.stringify(result ?? null) };
  }

  /** A service (Step Functions, EventBridge) invoking a function. */
  private async invokeAs(name: string, payload: unknown, type: 'RequestResponse' | 'Event', caller: Identity): Promise<{ result?: unknown; error?: InvocationError }> {
    const fn = this.runtime.find(name);
    if (!fn) return { error: { errorType: 'ResourceNotFoundException', errorMessage: `Function not found: ${name}` } };
    this.aws.record(caller, 'lambda', 'Invoke', 'lambda:InvokeFunction', fn.arn);
    if (type === 'Event') {
      this.invokeAsync(fn, payload);
      return {};
    }
    return this.runtime.invoke(fn, payload);
  }

  /** Lambda's asynchronous invocation: retried as the function's EventInvokeConfig says (2 by default). */
  private invokeAsync(fn: FunctionInfo, payload: unknown): void {
    const config = this.assembly.resources('AWS::Lambda::EventInvokeConfig').find((c) => this.runtime.find(String(this.assembly.resolve(c.properties.FunctionName, c.stack))) === fn);
    const retries = Number(config?.properties.MaximumRetryAttempts ?? 2);
    const run = (async () => {
      let error: InvocationError | undefined;
      for (let attempt = 0; attempt <= retries; attempt++) {
        ({ error } = await this.runtime.invoke(fn, payload));
        if (!error) return;
        await new Promise((r) => setTimeout(r, 200));
      }
      if (error) this.asyncFailures.push({ function: fn.description, error });
    })();
    this.background.add(run);
    void run.finally(() => this.background.delete(run));
  }

  /** Lambda's poller of each DynamoDB stream event source mapping, with the function's role. */
  private startStreamMappings(dynamoDbEndpoint: string): void {
    const mappings = this.assembly.resources('AWS::Lambda::EventSourceMapping').map((m) => this.assembly.resolve(m.properties, m.stack) as Json);
    const poll = async (mapping: Json) => {
      const fn = this.runtime.find(String(mapping.FunctionName));
      if (!fn) throw new Error(`event source mapping for ${mapping.FunctionName}, which is not a function of the template`);
      const filters = ((mapping.FilterCriteria?.Filters ?? []) as { Pattern: string }[]).map((f) => JSON.parse(f.Pattern) as Json);
      const call = async (operation: string, input: Json) => {
        this.aws.record(fn.identity, 'dynamodb', operation, `dynamodb:${operation}`, String(mapping.EventSourceArn));
        const res = await fetch(dynamoDbEndpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `DynamoDBStreams_20120810.${operation}`, authorization: `AWS4-HMAC-SHA256 Credential=local/20260101/${this.assembly.deployment.region}/dynamodb/aws4_request, SignedHeaders=host, Signature=0` },
          body: JSON.stringify(input),
        });
        return (await res.json()) as Json;
      };
      // Like Lambda's poller: shards present at the start are read from StartingPosition, shards that
      // appear later (DynamoDB opens them as the table is written) from their beginning; after an
      // error the shard is read on from the last record processed.
      const iterators = new Map<string, string | undefined>();
      const last = new Map<string, string>();
      let first = true;
      const failed = (answer: Json, what: string) => {
        if (!answer.__type) return false;
        this.streamErrors.push(`${what}: ${answer.__type} ${answer.message ?? ''}`);
        return true;
      };
      while (!this.stopStream) {
        let read = 0;
        const described = await call('DescribeStream', { StreamArn: mapping.EventSourceArn });
        if (!failed(described, 'DescribeStream')) {
          for (const shard of (described.StreamDescription?.Shards ?? []) as Json[]) {
            if (iterators.has(shard.ShardId)) continue;
            const after = last.get(shard.ShardId);
            const position = after ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after } : { ShardIteratorType: first ? (mapping.StartingPosition ?? 'LATEST') : 'TRIM_HORIZON' };
            const it = await call('GetShardIterator', { StreamArn: mapping.EventSourceArn, ShardId: shard.ShardId, ...position });
            if (!failed(it, 'GetShardIterator')) iterators.set(shard.ShardId, it.ShardIterator);
          }
          first = false;
        }
        for (const [shard, iterator] of iterators) {
          if (!iterator) continue;
          // Lambda reads as much as a shard holds and batches what passes the filter by BatchSize.
          const got = await call('GetRecords', { ShardIterator: iterator, Limit: 1000 });
          if (failed(got, 'GetRecords')) {
            iterators.delete(shard);
            continue;
          }
          iterators.set(shard, got.NextShardIterator);
          const all = (got.Records ?? []) as Json[];
          read += all.length;
          if (all.length) last.set(shard, all.at(-1)?.dynamodb?.SequenceNumber);
          const records = all.filter((r) => filters.length === 0 || filters.some((f) => matches(f, r)));
          const batch = Number(mapping.BatchSize ?? 100);
          for (let i = 0; i < records.length; i += batch) {
            const Records = records.slice(i, i + batch).map((r) => ({ ...r, eventSourceARN: mapping.EventSourceArn }));
            const { error } = await this.runtime.invoke(fn, { Records });
            if (error) this.asyncFailures.push({ function: fn.description, error });
          }
        }
        if (read === 0) {
          this.idleStreamRounds++;
          await new Promise((r) => setTimeout(r, 250));
        }
      }
    };
    this.streamPoller = Promise.all(mappings.filter((m) => String(m.EventSourceArn).includes('/stream/')).map(poll)).then(() => undefined);
    this.streamPoller.catch((error: Error) => this.asyncFailures.push({ function: 'stream poller', error: { errorType: error.name, errorMessage: error.message } }));
  }

  /**
   * Writes or reads an object of a bucket as someone outside the deployment would (a killed terraform
   * leaving its lock, a test looking whether it is gone): straight to the S3 server, no IAM in between.
   */
  async putObject(bucket: string, key: string, body: string): Promise<void> {
    await this.s3Client().send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  }

  async objectExists(bucket: string, key: string): Promise<boolean> {
    try {
      await this.s3Client().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return true;
    } catch (error) {
      if ((error as Error).name === 'NoSuchKey') return false;
      throw error;
    }
  }

  private s3Client(): S3Client {
    return new S3Client({ endpoint: this.s3Endpoint, forcePathStyle: true, region: this.assembly.deployment.region, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
  }

  async settle(ms = 30_000): Promise<void> {
    await this.stepFunctions.idle(ms);
    await Promise.all([...this.background]);
    const rounds = this.idleStreamRounds;
    const deadline = Date.now() + ms;
    while (this.streamPoller && this.idleStreamRounds < rounds + 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await Promise.all([...this.background]);
  }

  async stop(): Promise<void> {
    this.stopStream = true;
    await this.streamPoller?.catch(() => undefined);
    await this.stepFunctions.shutdown();
    await Promise.all([...this.background].map((p) => p.catch(() => undefined)));
    await this.api.stop();
    await this.functionUrls.stop();
    await this.runtime.stop();
    await this.aws.stop();
    await this.s3.close();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** Each table as the template declares it: keys, attribute types, indexes, stream and TTL. */
async function createTables(assembly: CloudAssembly, endpoint: string): Promise<void> {
  const client = new DynamoDBClient({ endpoint, region: assembly.deployment.region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  for (const table of [...assembly.resources('AWS::DynamoDB::GlobalTable'), ...assembly.resources('AWS::DynamoDB::Table')]) {
    const p = assembly.resolve(table.properties, table.stack) as Json;
    const name = assembly.physicalOf(table);
    const created = await client.send(
      new CreateTableCommand({
        TableName: name,
        KeySchema: p.KeySchema,
        AttributeDefinitions: p.AttributeDefinitions,
        BillingMode: p.BillingMode ?? 'PAY_PER_REQUEST',
        GlobalSecondaryIndexes: (p.GlobalSecondaryIndexes as Json[] | undefined)?.map((i) => ({ IndexName: i.IndexName, KeySchema: i.KeySchema, Projection: i.Projection })),
        StreamSpecification: p.StreamSpecification ? { StreamEnabled: true, StreamViewType: p.StreamSpecification.StreamViewType } : undefined,
      }),
    );
    if (p.TimeToLiveSpecification?.Enabled) {
      await client.send(new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: { AttributeName: p.TimeToLiveSpecification.AttributeName, Enabled: true } }));
    }
    if (created.TableDescription?.LatestStreamArn) assembly.deployment.runtimeAttributes.set(`${table.stack.name}/${table.logicalId}.StreamArn`, created.TableDescription.LatestStreamArn);
  }
  client.destroy();
}
