/**
 * Checks a request's attributes against a resource's rules: unknown and read-only attributes are
 * rejected by name before the valibot schema checks the values, so a client always learns which
 * attribute is at fault (JSON:API `source.pointer`).
 */
import * as v from 'valibot';
import { Forbidden, Invalid, Problems, pointer, type DomainError } from '../domain/errors';

export type ObjectSchema = v.ObjectSchema<v.ObjectEntries, v.ErrorMessage<v.ObjectIssue> | undefined>;

export interface AttributeRules {
  /** Attributes the server sets; sending them is a 400. */
  readOnly?: readonly string[];
  /** Attributes a client may never set; sending them is a 403 (contract: job.approvalTeam). */
  forbidden?: readonly string[];
}

export function checkAttributes<S extends ObjectSchema>(attributes: Record<string, unknown>, schema: S, rules: AttributeRules = {}): v.InferOutput<S> {
  const errors: DomainError[] = [];
  for (const key of Object.keys(attributes)) {
    const at = pointer(`/data/attributes/${key}`);
    if (Object.hasOwn(schema.entries, key)) continue;
    if (rules.forbidden?.includes(key)) errors.push(new Forbidden(`attribute '${key}' is set by the server and cannot be written`, at));
    else if (rules.readOnly?.includes(key)) errors.push(new Invalid(`attribute '${key}' is read-only`, at));
    else errors.push(new Invalid(`unknown attribute '${key}'`, at));
  }
  // A forbidden attribute leads: it decides the answer (403), the rest are reported with it.
  if (errors.length > 0)
    throw errors.length === 1 ? errors[0] : new Problems([...errors].sort((a, b) => Number(b instanceof Forbidden) - Number(a instanceof Forbidden)));

  const result = v.safeParse(schema, attributes);
  if (result.success) return result.output;
  throw invalidAttributes(result.issues);
}

/** valibot's issues as one Invalid per attribute at fault. */
export function invalidAttributes(issues: readonly v.BaseIssue<unknown>[]): Problems {
  const seen = new Set<string>();
  const errors: DomainError[] = [];
  for (const issue of issues) {
    const keys = (issue.path ?? []).map((p) => String((p as { key: unknown }).key));
    const path = keys.join('/');
    if (seen.has(path)) continue;
    seen.add(path);
    const name = keys[0] ?? 'attributes';
    errors.push(new Invalid(`attribute '${keys.join('.') || name}': ${issue.message}`, pointer(`/data/attributes${path ? `/${path}` : ''}`)));
  }
  return new Problems(errors);
}

// Reusable value schemas with messages written for API clients.
export const nonEmptyString = (max: number, what = 'a string') =>
  v.pipe(v.string(`must be ${what}`), v.trim(), v.nonEmpty('must not be empty'), v.maxLength(max, `must be at most ${max} characters`));

export const optionalText = (max: number) => v.nullish(v.pipe(v.string('must be a string'), v.maxLength(max, `must be at most ${max} characters`)));

export const bool = () => v.boolean('must be true or false');

export const uuid = (what: string) => v.pipe(v.string(`must be ${what} id`), v.uuid(`must be ${what} id (a UUID)`));

export const enumOf = <T extends string>(values: readonly T[]) => v.picklist(values, `must be one of ${values.join(', ')}`);
