/**
 * Checks a request's attributes against a resource's rules, the way Terrakube's clients need it
 * (contract §8): unknown attributes are rejected by name before the valibot schema checks the values,
 * so a client always learns which attribute is at fault (JSON:API `source.pointer`).
 *
 * Read-only (server-set) attributes are accepted when they change nothing: sent unset (null, "",
 * false, [] — what Go clients emit for every field they know) or with the value they already have.
 * Only a real change is refused: a 400 naming the attribute, or a 403 for attributes no client may set.
 * The comparison with the current value needs the record, so it runs once the record was read.
 */
import * as v from 'valibot';
import { Forbidden, Invalid, Problems, pointer, type DomainError } from '../domain/errors';

export type ObjectSchema = v.ObjectSchema<v.ObjectEntries, v.ErrorMessage<v.ObjectIssue> | undefined>;

export interface AttributeRules {
  /** Attributes the server sets: accepted when unset or unchanged, else a 400. */
  readOnly?: readonly string[];
  /** Attributes a client may never set (contract: job.approvalTeam): accepted when unset or unchanged, else a 403. */
  forbidden?: readonly string[];
}

export interface CheckedAttributes<T> {
  values: T;
  /** Read-only attributes sent with a value: they must be the record's current ones (checkEchoed). */
  echoed: Record<string, unknown>;
}

/** What Go clients (google/jsonapi) send for a field they have no value for. */
export const isUnset = (value: unknown): boolean =>
  value === null || value === '' || value === false || value === 'false' || (Array.isArray(value) && value.length === 0);

function sameValue(sent: unknown, current: unknown): boolean {
  if (typeof current === 'boolean' && (sent === 'true' || sent === 'false')) return current === (sent === 'true');
  if (typeof current === 'number' && typeof sent === 'string' && sent.trim() !== '') return current === Number(sent);
  if (typeof sent === 'object' || typeof current === 'object') return JSON.stringify(sent) === JSON.stringify(current ?? null);
  return sent === current;
}

const forbiddenFirst = (errors: DomainError[]) => [...errors].sort((a, b) => Number(b instanceof Forbidden) - Number(a instanceof Forbidden));

function raise(errors: DomainError[]): void {
  if (errors.length === 1) throw errors[0];
  // A forbidden attribute leads: it decides the answer (403), the rest are reported with it.
  if (errors.length > 1) throw new Problems(forbiddenFirst(errors));
}

/** Checks names and values; read-only attributes sent with a value are handed back for checkEchoed. */
export function readAttributes<S extends ObjectSchema>(attributes: Record<string, unknown>, schema: S, rules: AttributeRules = {}): CheckedAttributes<v.InferOutput<S>> {
  const errors: DomainError[] = [];
  const writable: Record<string, unknown> = {};
  const echoed: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (Object.hasOwn(schema.entries, key)) writable[key] = value;
    else if (rules.forbidden?.includes(key) || rules.readOnly?.includes(key)) {
      if (!isUnset(value)) echoed[key] = value;
    } else errors.push(new Invalid(`unknown attribute '${key}'`, pointer(`/data/attributes/${key}`)));
  }
  raise(errors);
  const result = v.safeParse(schema, writable);
  if (!result.success) throw invalidAttributes(result.issues);
  return { values: result.output, echoed };
}

/** Read-only attributes must repeat the current values (`current` undefined: a new record, which has none yet). */
export function checkEchoed(echoed: Record<string, unknown>, current: Record<string, unknown> | undefined, rules: AttributeRules = {}): void {
  const errors: DomainError[] = [];
  for (const [key, value] of Object.entries(echoed)) {
    if (current && sameValue(value, current[key])) continue;
    const at = pointer(`/data/attributes/${key}`);
    errors.push(
      rules.forbidden?.includes(key)
        ? new Forbidden(`attribute '${key}' is set by the server and cannot be written`, at)
        : new Invalid(`attribute '${key}' is read-only`, at),
    );
  }
  raise(errors);
}

/** Both checks at once, for a record whose current attributes are known (or a new one: `current` undefined). */
export function checkAttributes<S extends ObjectSchema>(
  attributes: Record<string, unknown>,
  schema: S,
  rules: AttributeRules = {},
  current?: Record<string, unknown>,
): v.InferOutput<S> {
  const { values, echoed } = readAttributes(attributes, schema, rules);
  checkEchoed(echoed, current, rules);
  return values;
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

/** A boolean, or the strings "true"/"false" (Terrakube's UI and its own tests send those; Elide coerces them). */
export const bool = () =>
  v.union(
    [
      v.boolean(),
      v.pipe(
        v.picklist(['true', 'false']),
        v.transform((s) => s === 'true'),
      ),
    ],
    'must be true or false',
  );

export const uuid = (what: string) => v.pipe(v.string(`must be ${what} id`), v.uuid(`must be ${what} id (a UUID)`));

export const enumOf = <T extends string>(values: readonly T[]) => v.picklist(values, `must be one of ${values.join(', ')}`);

/** An optional value where "" means none, as Go clients send an unset string (a reference id, a version). */
export const emptyIsNull = <S extends v.GenericSchema>(schema: S) =>
  v.optional(
    v.pipe(
      v.unknown(),
      v.transform((x) => (x === '' ? null : x)),
      v.nullable(schema),
    ),
  );
