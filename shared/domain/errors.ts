/**
 * What can go wrong, in the service's own words. Domain, store, job, run and webhook code throw these
 * and decide by their class (retry, give up, report); none of them knows an HTTP status. The HTTP layer
 * (http/error-response.ts) alone turns them into JSON:API error documents.
 */

/** Where in the request the problem is: a JSON pointer into the document, a query parameter or a header. */
export interface ErrorSource {
  pointer?: string;
  parameter?: string;
  header?: string;
}

/**
 * Each class spells its name out: bundles are minified (class names shortened), and the name is what
 * logs show and what the state machine's Retry and Catch match a task's error by (`Unavailable`).
 */
export abstract class DomainError extends Error {
  abstract override readonly name: string;
  constructor(
    message: string,
    readonly source?: ErrorSource,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The thing named does not exist, or the caller may not learn that it does. */
export class NotFound extends DomainError {
  override readonly name = 'NotFound';
}

/** The request contradicts the current state: a name is taken, a status forbids it, a write raced. */
export class Conflict extends DomainError {
  override readonly name = 'Conflict';
}

/** The caller is known but may not do this. */
export class Forbidden extends DomainError {
  override readonly name = 'Forbidden';
}

/** The input is malformed or not allowed. */
export class Invalid extends DomainError {
  override readonly name = 'Invalid';
}

/** No verified caller. `scheme` is how to authenticate (Bearer), when there is a scheme to ask for. */
export class Unauthorized extends DomainError {
  override readonly name = 'Unauthorized';
  constructor(
    message: string,
    readonly scheme?: 'Bearer',
  ) {
    super(message);
  }
}

/** Nothing is wrong with the request, but it cannot be served now (throttled, contended): retry later. */
export class Unavailable extends DomainError {
  override readonly name = 'Unavailable';
  constructor(
    message: string,
    readonly retryAfterSeconds = 1,
    options?: { cause?: unknown },
  ) {
    super(message, undefined, options);
  }
}

/**
 * Several problems found in one request, reported together (a document can be both forbidden and
 * invalid). The first one decides how the request is answered.
 */
export class Problems extends Error {
  constructor(readonly problems: DomainError[]) {
    super(problems.map((p) => p.message).join('; '));
    this.name = 'Problems';
  }
}

export const pointer = (path: string): ErrorSource => ({ pointer: path });
export const parameter = (name: string): ErrorSource => ({ parameter: name });
export const attribute = (name: string): ErrorSource => ({ pointer: `/data/attributes/${name}` });

/** An error that a retry cannot fix: the request (or the state it needs) is wrong. */
export const isPermanent = (error: unknown): boolean =>
  (error instanceof DomainError && !(error instanceof Unavailable)) || (error instanceof Problems && error.problems.every(isPermanent));
