/**
 * Errors only the transport can have: a method the path does not serve (405), a body too large (413) or
 * of a media type we do not read (415). Everything else a client can cause is a domain error
 * (domain/errors.ts); error-response.ts renders both.
 */
import type { ErrorSource } from '../domain/errors';

export class TransportError extends Error {
  constructor(
    readonly status: 405 | 413 | 415,
    detail: string,
    readonly headers: Record<string, string> = {},
    readonly source?: ErrorSource,
  ) {
    super(detail);
    this.name = 'TransportError';
  }
}

export const methodNotAllowed = (detail: string, allow: string[]) => new TransportError(405, detail, { allow: allow.join(', ') });
export const payloadTooLarge = (detail: string) => new TransportError(413, detail);
export const unsupportedMediaType = (detail: string) => new TransportError(415, detail, {}, { header: 'Content-Type' });
