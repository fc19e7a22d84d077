/**
 * Checks a request's attributes against a resource's rules: unknown and read-only attributes are
 * rejected by name before the valibot schema checks the values, so a client always learns which
 * attribute is at fault (JSON:API `source.pointer`).
 */
import * as v from 'valibot';
import { HttpError, HttpErrors, badRequest, forbidden, pointer } from './errors';

export type ObjectSchema = v.ObjectSchema<v.ObjectEntries, v.ErrorMessage<v.ObjectIssue> | undefined>;

export interface AttributeRules {
  /** Attributes the server sets; sending them is a 400. */
  readOnly?: readonly string[];
  /** Attributes a client may never set; sending them is a 403 (contract: job.approvalTeam). */
  forbidden?: readonly string[];
}

export function checkAttributes<S extends ObjectSchema>(
  attributes: Record<string, unknown>,
  schema: S,
  rules: AttributeRules = {},
): v.InferOutput<S> {
  const errors: HttpError[] = [];
  for (const key of Object.keys(attributes)) {
    const at = pointer(`/data/attributes/${key}`);
    if (Object.hasOwn(schema.entries, key)) continue;
    if (rules.forbidden?.includes(key)) errors.push(forbidden(`attribute '${key}' is set by the server and cannot be written`, at));
    else if (rules.readOnly?.includes(key)) errors.push(badRequest(`attribute '${key}' is read-only`, at));
    else errors.push(badRequest(`unknown attribute '${key}'`, at));
  }
  if (errors.length > 0) throw errors.length === 1 ? errors[0] : new HttpErrors(sortByStatus(errors));

  const result = v.safeParse(schema, attributes);
  if (result.success) return result.output;
  throw asHttpErrors(result.issues);
}

function sortByStatus(errors: HttpError[]): HttpError[] {
  // The most specific status leads, so the response status matches the first error object.
  return [...errors].sort((a, b) => b.status - a.status);
}

export function asHttpErrors(issues: readonly v.BaseIssue<unknown>[]): HttpErrors {
  const seen = new Set<string>();
  const errors: HttpError[] = [];
  for (const issue of issues) {
    const keys = (issue.path ?? []).map((p) => String((p as { key: unknown }).key));
    const path = keys.join('/');
    if (seen.has(path)) continue;
    seen.add(path);
    const name = keys[0] ?? 'attributes';
    errors.push(badRequest(`attribute '${keys.join('.') || name}': ${issue.message}`, pointer(`/data/attributes${path ? `/${path}` : ''}`)));
  }
  return new HttpErrors(errors);
}

// Reusable value schemas with messages written for API clients.
export const nonEmptyString = (max: number, what = 'a string') =>
  v.pipe(
    v.string(`must be ${what}`),
    v.trim(),
    v.nonEmpty('must not be empty'),
    v.maxLength(max, `must be at most ${max} characters`),
  );

export const optionalText = (max: number) =>
  v.nullish(v.pipe(v.string('must be a string'), v.maxLength(max, `must be at most ${max} characters`)));

export const bool = () => v.boolean('must be true or false');

export const uuid = (what: string) => v.pipe(v.string(`must be ${what} id`), v.uuid(`must be ${what} id (a UUID)`));

export const enumOf = <T extends string>(values: readonly T[]) =>
  v.picklist(values, `must be one of ${values.join(', ')}`);
