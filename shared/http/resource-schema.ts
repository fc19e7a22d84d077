/**
 * Valibot schemas of what the API returns: each resource's JSON:API resource object (type, id, its
 * attributes, its relationships' linkage, its self link). A resource module declares its schema next to
 * its render function and types the function by it (`v.InferOutput<typeof TeamResource>`), so an
 * attribute rendered but not declared, or declared but not rendered, does not compile; the OpenAPI
 * document (shared/openapi) is generated from the same schemas, and the tests validate every answer
 * against that document. Adding an attribute is one edit to the schema (and the compiler points at
 * the render function).
 */
import * as v from 'valibot';

/** An ISO 8601 timestamp, as toISOString() writes it. */
export const timestamp = () => v.pipe(v.string(), v.isoTimestamp());

/** The audit fields every stored resource returns. */
export const AuditAttributes = {
  createdBy: v.string(),
  createdDate: timestamp(),
  updatedBy: v.string(),
  updatedDate: timestamp(),
};

export const identifier = <T extends string>(type: T) => v.strictObject({ type: v.literal(type), id: v.string() });
const anyIdentifier = v.strictObject({ type: v.string(), id: v.string() });
const links = v.record(v.string(), v.string());

/** A to-one relationship's linkage (null when it links nothing). */
export const toOne = <T extends string>(type: T) => v.strictObject({ data: v.nullable(identifier(type)), links: v.optional(links) });
/** A to-many relationship's linkage. */
export const toMany = <T extends string>(type: T) => v.strictObject({ data: v.array(identifier(type)), links: v.optional(links) });

/** Any other relationship a resource carries (linkage of a type it does not declare, or links only). */
const AnyRelationship = v.union([
  v.strictObject({ data: v.nullable(anyIdentifier), links: v.optional(links) }),
  v.strictObject({ data: v.array(anyIdentifier), links: v.optional(links) }),
  v.strictObject({ links }),
]);

/**
 * A resource object of `type`: exactly these attributes (none missing, none more), the declared
 * relationships (more may be present, each a JSON:API relationship), and its self link.
 */
export function resourceSchema<T extends string, A extends v.ObjectEntries, R extends v.ObjectEntries>(type: T, attributes: A, relationships: R) {
  return v.strictObject({
    type: v.literal(type),
    id: v.string(),
    attributes: v.strictObject(attributes),
    relationships: v.objectWithRest(relationships, AnyRelationship),
    links: v.strictObject({ self: v.string() }),
  });
}

export type AnyResourceSchema = ReturnType<typeof resourceSchema<string, v.ObjectEntries, v.ObjectEntries>>;
