/**
 * HTTP errors rendered as JSON:API error objects. Every failure a client can cause is one of these;
 * anything else reaching the error middleware is a bug and becomes a 500 without details.
 */
export interface ErrorSource {
  pointer?: string;
  parameter?: string;
  header?: string;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export class HttpError extends Error {
  readonly status: number;
  readonly title: string;
  readonly source?: ErrorSource;
  readonly headers: Record<string, string>;

  constructor(status: number, detail: string, source?: ErrorSource, headers: Record<string, string> = {}) {
    super(detail);
    this.name = 'HttpError';
    this.status = status;
    this.title = TITLES[status] ?? 'Error';
    this.source = source;
    this.headers = headers;
  }

  toErrorObject(): Record<string, unknown> {
    return {
      status: String(this.status),
      title: this.title,
      detail: this.message,
      ...(this.source ? { source: this.source } : {}),
    };
  }
}

/** Several problems found in one request body, reported together. */
export class HttpErrors extends Error {
  constructor(readonly errors: HttpError[]) {
    super(errors.map((e) => e.message).join('; '));
    this.name = 'HttpErrors';
  }
  get status(): number {
    return this.errors[0]?.status ?? 400;
  }
}

export const badRequest = (detail: string, source?: ErrorSource) => new HttpError(400, detail, source);
export const unauthorized = (detail: string) => new HttpError(401, detail, undefined, { 'www-authenticate': 'Bearer' });
export const forbidden = (detail: string, source?: ErrorSource) => new HttpError(403, detail, source);
export const notFound = (detail: string) => new HttpError(404, detail);
export const methodNotAllowed = (detail: string, allow: string[]) =>
  new HttpError(405, detail, undefined, { allow: allow.join(', ') });
export const conflict = (detail: string, source?: ErrorSource) => new HttpError(409, detail, source);
export const payloadTooLarge = (detail: string) => new HttpError(413, detail);
export const unsupportedMediaType = (detail: string) => new HttpError(415, detail, { header: 'Content-Type' });
export const serviceUnavailable = (detail: string, retryAfterSeconds: number) =>
  new HttpError(503, detail, undefined, { 'retry-after': String(retryAfterSeconds) });

export const pointer = (path: string): ErrorSource => ({ pointer: path });
export const parameter = (name: string): ErrorSource => ({ parameter: name });
