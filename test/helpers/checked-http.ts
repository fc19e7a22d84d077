/**
 * An HTTP client for end-to-end tests that checks every answer as a client would see it: the JSON:API
 * rules (jsonapi-conformance) and the OpenAPI document (openapi-conformance). `baseUrl` is read per call:
 * the server may be restarted on another port between calls.
 */
import { checkAnswer } from './jsonapi-conformance';
import { checkOpenApi } from './openapi-conformance';

export interface CheckedAnswer {
  status: number;
  text: string;
  body: any;
}

export function checkedHttp(baseUrl: () => string) {
  return async function http(method: string, path: string, token: string, body?: unknown): Promise<CheckedAnswer> {
    const res = await fetch(`${baseUrl()}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/vnd.api+json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    checkAnswer(method, path, res.headers.get('content-type'), text);
    checkOpenApi(method, path, res.status, res.headers.get('content-type'), text);
    return { status: res.status, text, body: /json/.test(res.headers.get('content-type') ?? '') && text ? JSON.parse(text) : undefined };
  };
}
