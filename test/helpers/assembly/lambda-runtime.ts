/**
 * Lambda, locally, for the functions of the template: each function runs from its code asset in
 * cdk.out, in execution environments (worker threads) whose environment is exactly what the template
 * gives it plus what the Lambda runtime sets (region, function name, handler, log format, X-Ray trace
 * id and daemon, the role's credentials) and the local service endpoints. Like Lambda, an environment
 * runs one invocation at a time, times out after the function's Timeout, writes its log lines (kept
 * here per function) and, with the function's role, its log stream and trace segments.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { CloudAssembly, Resource } from './cloud-assembly';
import type { Identity, LocalAws } from './local-aws';


/** Lambda's limit on a synchronous invocation's response (6 MB). */
const MAX_RESPONSE_BYTES = 6 * 1024 * 1024;
export interface FunctionInfo {
  resource: Resource;
  name: string;
  arn: string;
  description: string;
  identity: Identity;
}

export interface InvocationError {
  errorType: string;
  errorMessage: string;
  trace?: string[];
}

interface Sandbox {
  worker: Worker;
  busy: boolean;
  ready: Promise<void>;
  id: string;
  pending?: { resolve: (v: { result?: unknown; error?: InvocationError }) => void; onChunk?: (chunk: Uint8Array) => void };
}

const BOOTSTRAP = join(import.meta.dirname, 'lambda-bootstrap.mjs');
const MAX_ENVIRONMENTS = 3;

export class LambdaRuntime {
  readonly functions: FunctionInfo[];
  /** Log lines each function wrote, by function name. */
  readonly logs = new Map<string, string[]>();
  /** X-Ray segment documents received from the functions, by trace id. */
  readonly segments: Record<string, any>[] = [];
  /** Invocations by function name. */
  readonly invocations = new Map<string, number>();
  /** The function of each invocation's X-Ray trace (by trace root id). */
  readonly traces = new Map<string, string>();
  private readonly sandboxes = new Map<string, Sandbox[]>();
  private readonly waiting = new Map<string, (() => void)[]>();
  private daemon?: Socket;
  private daemonAddress = '';

  constructor(private readonly assembly: CloudAssembly, private readonly aws: LocalAws, roleIdentity: (role: Resource) => Identity, private readonly extraEnvironment: Record<string, string>) {
    this.functions = assembly.resources('AWS::Lambda::Function').map((resource) => {
      const roleArn = assembly.resolve(resource.properties.Role, resource.stack) as string;
      const role = assembly.findByPhysical('AWS::IAM::Role', roleArn);
      if (!role) throw new Error(`${resource.logicalId}: its role ${roleArn} is not in the template`);
      const description = String(resource.properties.Description ?? resource.logicalId);
      return { resource, name: assembly.name(resource), arn: assembly.physicalOf(resource, 'Arn'), description, identity: { ...roleIdentity(role), label: description } };
    });
  }

  async start(): Promise<void> {
    this.daemon = createSocket('udp4');
    this.daemon.on('message', (message) => {
      // "{format header}\n{segment document}"
      const [, document] = message.toString('utf8').split('\n', 2);
      if (document) this.segments.push(JSON.parse(document));
    });
    await new Promise<void>((ok) => this.daemon?.bind(0, '127.0.0.1', ok));
    this.daemonAddress = `127.0.0.1:${(this.daemon.address() as { port: number }).port}`;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.sandboxes.values()].flat().map((s) => s.worker.terminate()));
    this.sandboxes.clear();
    this.daemon?.close();
  }

  find(nameOrArn: string): FunctionInfo | undefined {
    const name = nameOrArn.replace(/:(\$LATEST|\d+)$/, '');
    return this.functions.find((f) => f.name === name || f.arn === name);
  }

  /** The environment the function's execution environment gets. */
  environment(fn: FunctionInfo, credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string }): Record<string, string> {
    const p = fn.resource.properties;
    const { region } = this.assembly.deployment;
    const variables = (this.assembly.resolve(p.Environment?.Variables ?? {}, fn.resource.stack) ?? {}) as Record<string, string>;
    const logGroup = this.assembly.resolve(p.LoggingConfig?.LogGroup, fn.resource.stack) as string | undefined;
    return {
      ...variables,
      // What the Lambda runtime sets in every execution environment.
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      AWS_EXECUTION_ENV: `AWS_Lambda_${p.Runtime}`,
      AWS_LAMBDA_FUNCTION_NAME: fn.name,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(p.MemorySize ?? 128),
      AWS_LAMBDA_LOG_GROUP_NAME: logGroup ?? `/aws/lambda/${fn.name}`,
      AWS_LAMBDA_LOG_STREAM_NAME: 'local',
      ...(p.LoggingConfig?.LogFormat ? { AWS_LAMBDA_LOG_FORMAT: p.LoggingConfig.LogFormat } : {}),
      ...(p.LoggingConfig?.ApplicationLogLevel ? { AWS_LAMBDA_LOG_LEVEL: p.LoggingConfig.ApplicationLogLevel } : {}),
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_SESSION_TOKEN: credentials.sessionToken,
      AWS_XRAY_DAEMON_ADDRESS: this.daemonAddress,
      AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
      LAMBDA_TASK_ROOT: this.codePath(fn),
      LAMBDA_RUNTIME_DIR: '/var/runtime',
      _HANDLER: String(p.Handler),
      TZ: ':UTC',
      LANG: 'en_US.UTF-8',
      PATH: '/usr/local/bin:/usr/bin/:/bin',
      // The network of the local deployment: where the AWS endpoints are.
      ...this.extraEnvironment,
    };
  }

  private codePath(fn: FunctionInfo): string {
    const key = this.assembly.resolve(fn.resource.properties.Code?.S3Key, fn.resource.stack);
    if (typeof key !== 'string') throw new Error(`${fn.description}: its code is not an S3 asset`);
    return this.assembly.assetPath(key);
  }

  private createSandbox(fn: FunctionInfo): Sandbox {
    const credentials = this.aws.credentials(fn.identity);
    const worker = new Worker(BOOTSTRAP, {
      env: this.environment(fn, credentials),
      workerData: { taskRoot: this.codePath(fn), handler: fn.resource.properties.Handler },
      stdout: true,
      stderr: true,
    });
    const lines = this.logs.get(fn.name) ?? [];
    this.logs.set(fn.name, lines);
    for (const stream of [worker.stdout, worker.stderr]) {
      let rest = '';
      stream.on('data', (chunk: Buffer) => {
        const text = rest + chunk.toString('utf8');
        const parts = text.split('\n');
        rest = parts.pop() ?? '';
        lines.push(...parts.filter((l) => l.trim()));
      });
    }
    const sandbox: Sandbox = { worker, busy: false, id: randomBytes(16).toString('hex'), ready: Promise.resolve() };
    sandbox.ready = new Promise<void>((ok, fail) => {
      worker.on('message', (message: { type: string; error?: InvocationError; result?: unknown; chunk?: Uint8Array }) => {
        if (message.type === 'ready') ok();
        else if (message.type === 'chunk') sandbox.pending?.onChunk?.(message.chunk as Uint8Array);
        else if (message.type === 'init-error') fail(Object.assign(new Error(`${message.error?.errorType}: ${message.error?.errorMessage}`), { invocationError: message.error }));
        else sandbox.pending?.resolve(message.type === 'result' ? { result: message.result } : { error: message.error });
      });
      worker.on('error', (error) => {
        fail(error);
        sandbox.pending?.resolve({ error: { errorType: 'Runtime.ExitError', errorMessage: error.message } });
      });
    });
    this.aws.record(fn.identity, 'logs', 'CreateLogStream', 'logs:CreateLogStream', this.logStreamArn(fn, sandbox));
    return sandbox;
  }

  private logStreamArn(fn: FunctionInfo, sandbox: Sandbox): string {
    const { account, region } = this.assembly.deployment;
    const group = this.assembly.resolve(fn.resource.properties.LoggingConfig?.LogGroup, fn.resource.stack) ?? `/aws/lambda/${fn.name}`;
    const day = new Date().toISOString().slice(0, 10).replace(/-/g, '/');
    return `arn:aws:logs:${region}:${account}:log-group:${group}:log-stream:${day}/[$LATEST]${sandbox.id}`;
  }

  private async acquire(fn: FunctionInfo): Promise<Sandbox> {
    for (;;) {
      const pool = this.sandboxes.get(fn.name) ?? [];
      this.sandboxes.set(fn.name, pool);
      const free = pool.find((s) => !s.busy);
      if (free) {
        free.busy = true;
        return free;
      }
      if (pool.length < MAX_ENVIRONMENTS) {
        const sandbox = this.createSandbox(fn);
        sandbox.busy = true;
        pool.push(sandbox);
        return sandbox;
      }
      await new Promise<void>((ok) => this.waiting.set(fn.name, [...(this.waiting.get(fn.name) ?? []), ok]));
    }
  }

  private release(fn: FunctionInfo, sandbox: Sandbox): void {
    sandbox.busy = false;
    this.waiting.get(fn.name)?.shift()?.();
  }

  /** Starts an execution environment of every function (a few at a time) and reports those whose init fails. */
  async initAll(concurrency = 3): Promise<string[]> {
    const failures: string[] = [];
    const queue = [...this.functions];
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let fn = queue.shift(); fn; fn = queue.shift()) {
          const sandbox = this.createSandbox(fn);
          try {
            await sandbox.ready;
          } catch (error) {
            failures.push(`${fn.description}: ${(error as Error).message}`);
          }
          await sandbox.worker.terminate();
        }
      }),
    );
    return failures;
  }

  /**
   * Runs one invocation; resolves with the result or the error document Lambda would report. With
   * `onChunk` it is InvokeWithResponseStream: the handler must be a streaming one, and what it writes
   * reaches `onChunk` as it writes it.
   */
  async invoke(fn: FunctionInfo, event: unknown, onChunk?: (chunk: Uint8Array) => void): Promise<{ result?: unknown; error?: InvocationError }> {
    this.invocations.set(fn.name, (this.invocations.get(fn.name) ?? 0) + 1);
    const sandbox = await this.acquire(fn);
    try {
      try {
        await sandbox.ready;
      } catch (error) {
        const pool = this.sandboxes.get(fn.name) ?? [];
        pool.splice(pool.indexOf(sandbox), 1);
        return { error: (error as { invocationError?: InvocationError }).invocationError ?? { errorType: 'Runtime.InitError', errorMessage: (error as Error).message } };
      }
      const p = fn.resource.properties;
      const timeoutMs = Number(p.Timeout ?? 3) * 1000;
      const traceId = `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')};Parent=${randomBytes(8).toString('hex')};Sampled=1`;
      this.traces.set(/Root=([^;]+)/.exec(traceId)?.[1] as string, fn.name);
      const context = {
        awsRequestId: randomUUID(),
        functionName: fn.name,
        functionVersion: '$LATEST',
        invokedFunctionArn: fn.arn,
        memoryLimitInMB: String(p.MemorySize ?? 128),
        logGroupName: String(this.assembly.resolve(p.LoggingConfig?.LogGroup, fn.resource.stack) ?? ''),
        logStreamName: 'local',
        traceId,
        timeoutMs,
      };
      this.aws.record(fn.identity, 'logs', 'PutLogEvents', 'logs:PutLogEvents', this.logStreamArn(fn, sandbox));
      if (p.TracingConfig?.Mode === 'Active') this.aws.record(fn.identity, 'xray', 'PutTraceSegments', 'xray:PutTraceSegments', '*');
      const answer = new Promise<{ result?: unknown; error?: InvocationError }>((resolve) => (sandbox.pending = { resolve, onChunk }));
      sandbox.worker.postMessage({ id: context.awsRequestId, event, context, stream: Boolean(onChunk) });
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<{ error: InvocationError }>((ok) => {
        timer = setTimeout(() => ok({ error: { errorType: 'Sandbox.Timedout', errorMessage: `Task timed out after ${timeoutMs / 1000} seconds` } }), timeoutMs);
      });
      const outcome = await Promise.race([answer, timedOut]);
      clearTimeout(timer);
      sandbox.pending = undefined;
      if (outcome.error?.errorType === 'Sandbox.Timedout') {
        const pool = this.sandboxes.get(fn.name) ?? [];
        pool.splice(pool.indexOf(sandbox), 1);
        await sandbox.worker.terminate();
      }
      // Lambda refuses a synchronous response over 6 MB (the invoker sees a function error).
      const result = 'result' in outcome ? outcome.result : undefined;
      const size = result === undefined ? 0 : Buffer.byteLength(JSON.stringify(result));
      if (size > MAX_RESPONSE_BYTES) return { error: { errorType: 'Function.ResponseSizeTooLarge', errorMessage: `Response payload size (${size} bytes) exceeded maximum allowed payload size (${MAX_RESPONSE_BYTES} bytes).` } };
      return outcome;
    } finally {
      this.release(fn, sandbox);
    }
  }
}
