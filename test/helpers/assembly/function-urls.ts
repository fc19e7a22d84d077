/**
 * Lambda function URLs, locally, from the template alone (AWS::Lambda::Url): each gets an HTTP server
 * that invokes its target function with the function URL event (payload 2.0, no route, no authorizer)
 * as Lambda does, in the URL's InvokeMode; a RESPONSE_STREAM function's prelude (status and headers)
 * and body reach the client as the function writes them. Each request is recorded as the anonymous
 * caller it is (AuthType NONE), for the IAM check against the function's resource policy.
 */
import { createServer, type Server } from 'node:http';
import { requestEvent } from '../../../local/apigw';
import { HttpStreamDecoder } from '../../../shared/http/response-stream';
import type { CloudAssembly } from './cloud-assembly';
import type { FunctionInfo, InvocationError } from './lambda-runtime';
import type { Identity, LocalAws } from './local-aws';

type Json = Record<string, any>;

export const ANONYMOUS: Identity = { label: 'anonymous caller of a function URL', roleKey: 'anonymous' };

export interface FunctionUrl {
  function: FunctionInfo;
  authType: string;
  invokeMode: string;
  url: string;
  server: Server;
}

export class FunctionUrls {
  readonly urls: FunctionUrl[] = [];

  constructor(
    private readonly assembly: CloudAssembly,
    private readonly aws: LocalAws,
    private readonly find: (arn: string) => FunctionInfo | undefined,
    private readonly invoke: (fn: FunctionInfo, event: unknown, onChunk: (chunk: Uint8Array) => void) => Promise<{ error?: InvocationError }>,
  ) {}

  async start(): Promise<void> {
    for (const resource of this.assembly.resources('AWS::Lambda::Url')) {
      const p = this.assembly.resolve(resource.properties, resource.stack) as Json;
      const fn = this.find(String(p.TargetFunctionArn));
      if (!fn) throw new Error(`function URL ${resource.logicalId}: its function ${p.TargetFunctionArn} is not in the template`);
      if (p.AuthType !== 'NONE') throw new Error(`function URL ${resource.logicalId}: AuthType ${p.AuthType} is not served locally`);
      if (p.InvokeMode !== 'RESPONSE_STREAM') throw new Error(`function URL ${resource.logicalId}: InvokeMode ${p.InvokeMode} is not served locally`);
      const entry = {
        function: fn,
        authType: String(p.AuthType),
        invokeMode: String(p.InvokeMode),
        url: '',
        server: createServer((req, res) => void this.serve(entry, req, res)),
      };
      await new Promise<void>((ok) => entry.server.listen(0, '127.0.0.1', ok));
      entry.url = `http://127.0.0.1:${(entry.server.address() as { port: number }).port}`;
      this.urls.push(entry);
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.urls.map((u) => new Promise<void>((ok) => (u.server.closeAllConnections(), u.server.close(() => ok())))));
  }

  /** The URL of the function whose description starts with `description`. */
  urlOf(description: string): string {
    const found = this.urls.find((u) => u.function.description.startsWith(description));
    if (!found) throw new Error(`no function URL for '${description}'`);
    return found.url;
  }

  private async serve(entry: FunctionUrl, req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://local');
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(',') : String(v ?? '')]));
    // A public URL's caller is anonymous; Lambda checks both permissions CDK grants for it.
    this.aws.record(ANONYMOUS, 'lambda', 'InvokeFunctionUrl', 'lambda:InvokeFunctionUrl', entry.function.arn, { 'lambda:FunctionUrlAuthType': entry.authType });
    this.aws.record(ANONYMOUS, 'lambda', 'InvokeFunction', 'lambda:InvokeFunction', entry.function.arn, { 'lambda:InvokedViaFunctionUrl': 'true' });
    const event = requestEvent(
      {
        method: (req.method ?? 'GET').toUpperCase(),
        rawPath: url.pathname,
        rawQueryString: url.search.replace(/^\?/, ''),
        headers,
        body: Buffer.concat(chunks),
      },
      { routeKey: '$default' },
    );
    const decoder = new HttpStreamDecoder(
      (prelude) => res.writeHead(prelude.statusCode, prelude.headers ?? {}),
      (chunk) => res.write(chunk),
    );
    const { error } = await this.invoke(entry.function, event, (chunk) => decoder.write(chunk));
    if (error && !res.headersSent) {
      // What a function URL answers when the invocation fails before any byte was written.
      res.writeHead(502, { 'content-type': 'application/json' }).end(JSON.stringify({ Message: 'Internal Server Error' }));
      return;
    }
    decoder.end();
    res.end();
  }
}
