/**
 * Calls the API in process exactly as the local server does (route table → authorizer → the route's
 * handler module), against DynamoDB Local. Returns status, headers and the parsed body.
 */
import { beforeAll } from 'vitest';
import { issuePersonalAccessToken } from '../../shared/auth/tokens';
import { ensureTable } from '../../shared/store/ensure-table';
import { dispatch } from '../../local/server';
import { checkAnswer } from './jsonapi-conformance';
import { checkOpenApi } from './openapi-conformance';

export interface ApiAnswer<T = any> {
  status: number;
  headers: Record<string, string>;
  body: T;
  text: string;
}

export interface CallOptions {
  token?: string | null;
  body?: unknown;
  rawBody?: string | Buffer;
  contentType?: string | null;
  headers?: Record<string, string>;
}

let tableReady: Promise<void> | undefined;

/** Creates this test file's table once. */
export function useTable(): void {
  beforeAll(async () => {
    tableReady ??= ensureTable(process.env.TABLE_NAME as string);
    await tableReady;
  });
}

export async function call(method: string, pathAndQuery: string, options: CallOptions = {}): Promise<ApiAnswer> {
  const [rawPath, rawQueryString = ''] = pathAndQuery.split('?', 2) as [string, string?];
  const headers: Record<string, string> = { host: 'localhost:8080', 'x-forwarded-proto': 'http', ...lower(options.headers ?? {}) };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: Buffer | undefined;
  if (options.rawBody !== undefined) body = Buffer.from(options.rawBody);
  else if (options.body !== undefined) body = Buffer.from(JSON.stringify(options.body));
  if (body && options.contentType !== null) headers['content-type'] = options.contentType ?? 'application/vnd.api+json';
  const result = await dispatch({ method, rawPath, rawQueryString, headers, body });
  const text = Buffer.isBuffer(result.body) ? result.body.toString('utf8') : result.body;
  checkAnswer(method, pathAndQuery, lower(result.headers)['content-type'], text);
  checkOpenApi(method, pathAndQuery, result.statusCode, lower(result.headers)['content-type'], text);
  let parsed: unknown = text;
  if (text && /json/.test(result.headers['content-type'] ?? '')) parsed = JSON.parse(text);
  return { status: result.statusCode, headers: lower(result.headers), body: parsed, text };
}

function lower(h: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
}

export function token(email: string, groups: string[]): Promise<string> {
  return issuePersonalAccessToken({ email, groups }, process.env.TERRAKUBE_PAT_SECRET as string);
}

export const adminToken = () => token('admin@example.com', ['TERRAKUBE_ADMIN']);
