/**
 * JSON:API 1.1 documents: building responses and checking the shape of request documents.
 * Attribute values are checked by each resource's valibot schema (see shared/resources).
 */
import { Conflict, Forbidden, Invalid, pointer } from '../domain/errors';

export const JSONAPI_MEDIA_TYPE = 'application/vnd.api+json';

export interface ResourceIdentifier {
  type: string;
  id: string;
}

export type Relationship =
  | { data: ResourceIdentifier | null; links?: Record<string, string> }
  | { data: ResourceIdentifier[]; links?: Record<string, string> }
  | { links: Record<string, string> };

export interface ResourceObject {
  type: string;
  id: string;
  attributes: Record<string, unknown>;
  relationships?: Record<string, Relationship>;
  links?: Record<string, string>;
}

export interface Document {
  jsonapi: { version: '1.1' };
  data: ResourceObject | ResourceObject[] | null;
  included?: ResourceObject[];
  links?: Record<string, string | null>;
  meta?: Record<string, unknown>;
}

export function document(
  data: ResourceObject | ResourceObject[] | null,
  extra: { included?: ResourceObject[]; links?: Record<string, string | null>; meta?: Record<string, unknown> } = {},
): Document {
  const doc: Document = { jsonapi: { version: '1.1' }, data };
  if (extra.included) doc.included = extra.included;
  if (extra.links) doc.links = extra.links;
  if (extra.meta) doc.meta = extra.meta;
  return doc;
}

export const toOne = (type: string, id: string | null | undefined): Relationship => ({
  data: id ? { type, id } : null,
});
export const toMany = (type: string, ids: string[]): Relationship => ({ data: ids.map((id) => ({ type, id })) });

/** What a request document carried, after its shape was checked. */
export interface IncomingResource {
  /** A client-generated id (only where the resource allows them: `clientId`). */
  id?: string;
  attributes: Record<string, unknown>;
  /** The writable relationships sent: to-one linkage (or null), to-many linkage lists. */
  relationships: Record<string, ResourceIdentifier | null | ResourceIdentifier[]>;
}

/**
 * What a relationship name accepts: the resource type it links (a string: a writable to-one), whether
 * it is to-many, and whether it is read-only (checked for shape, then ignored: clients echo them).
 */
export type RelationshipRule = string | { type: string; many?: boolean; readOnly?: boolean };

export interface IncomingOptions {
  type: string;
  /** PATCH: the id from the path, which data.id must repeat. POST: undefined. */
  id?: string;
  /** POST: the client may choose the id (Terrakube allows it for webhooks and webhook events). */
  clientId?: boolean;
  /** Relationship name -> what it accepts. Any other name is rejected. */
  relationships?: Record<string, RelationshipRule>;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

// `included` and `links` in a request are ignored (Elide reads only `data`; terrakube-go sends `included`).
const ALLOWED_TOP_LEVEL = new Set(['data', 'meta', 'jsonapi', 'included', 'links']);
const ALLOWED_DATA_MEMBERS = new Set(['type', 'id', 'lid', 'attributes', 'relationships', 'links', 'meta']);

/** Checks a request document's structure; returns its attributes and relationship linkage. */
export function readResourceDocument(body: unknown, options: IncomingOptions): IncomingResource {
  if (!isPlainObject(body)) throw new Invalid('the request body must be a JSON:API document object', pointer(''));
  for (const key of Object.keys(body)) {
    if (!ALLOWED_TOP_LEVEL.has(key)) throw new Invalid(`unsupported top-level member '${key}'`, pointer(`/${key}`));
  }
  const data = body.data;
  if (!isPlainObject(data)) throw new Invalid('the document must have a primary data object', pointer('/data'));
  for (const key of Object.keys(data)) {
    if (!ALLOWED_DATA_MEMBERS.has(key)) throw new Invalid(`unsupported member '${key}' in data`, pointer(`/data/${key}`));
  }
  if (typeof data.type !== 'string' || data.type === '') throw new Invalid('data.type is required', pointer('/data/type'));
  // An update names its resource by the path; the old Terrakube CLI spells the type "Team".
  const sameType = options.id === undefined ? data.type === options.type : data.type.toLowerCase() === options.type.toLowerCase();
  if (!sameType) {
    throw new Conflict(`data.type '${data.type}' does not match this collection's type '${options.type}'`, pointer('/data/type'));
  }
  let clientId: string | undefined;
  if (options.id === undefined) {
    if (data.id !== undefined && !options.clientId) throw new Forbidden('client-generated ids are not supported', pointer('/data/id'));
    if (data.id !== undefined) {
      if (typeof data.id !== 'string' || data.id === '') throw new Invalid('data.id must be a non-empty string', pointer('/data/id'));
      clientId = data.id;
    }
  } else {
    if (data.id === undefined) throw new Invalid('data.id is required when updating a resource', pointer('/data/id'));
    if (typeof data.id !== 'string') throw new Invalid('data.id must be a string', pointer('/data/id'));
    if (data.id.toLowerCase() !== options.id.toLowerCase()) throw new Conflict(`data.id '${data.id}' does not match the id in the path`, pointer('/data/id'));
  }
  const attributes = data.attributes ?? {};
  if (!isPlainObject(attributes)) throw new Invalid('data.attributes must be an object', pointer('/data/attributes'));
  return { ...(clientId !== undefined ? { id: clientId } : {}), attributes, relationships: readRelationships(data.relationships, options.relationships ?? {}) };
}

function identifier(linkage: unknown, expectedType: string, name: string, at: string): ResourceIdentifier {
  if (!isPlainObject(linkage)) throw new Invalid(`relationship '${name}' must link resource identifiers`, pointer(at));
  if (typeof linkage.type !== 'string' || linkage.type.toLowerCase() !== expectedType.toLowerCase()) {
    throw new Conflict(`relationship '${name}' must link a resource of type '${expectedType}'`, pointer(`${at}/type`));
  }
  if (typeof linkage.id !== 'string' || linkage.id === '') throw new Invalid(`relationship '${name}' needs a string id`, pointer(`${at}/id`));
  return { type: expectedType, id: linkage.id };
}

function readRelationships(raw: unknown, accepted: Record<string, RelationshipRule>): IncomingResource['relationships'] {
  if (raw === undefined || raw === null) return {};
  if (!isPlainObject(raw)) throw new Invalid('data.relationships must be an object', pointer('/data/relationships'));
  const result: IncomingResource['relationships'] = {};
  for (const [name, value] of Object.entries(raw)) {
    const at = `/data/relationships/${name}`;
    const rule = Object.hasOwn(accepted, name) ? accepted[name] : undefined;
    if (rule === undefined) throw new Invalid(`unknown relationship '${name}'`, pointer(at));
    const { type, many = false, readOnly = false } = typeof rule === 'string' ? { type: rule } : rule;
    if (!isPlainObject(value) || !('data' in value)) throw new Invalid(`relationship '${name}' must have a data member`, pointer(at));
    const linkage = value.data;
    let read: ResourceIdentifier | null | ResourceIdentifier[];
    if (many) {
      if (!Array.isArray(linkage)) throw new Invalid(`relationship '${name}' must link a list of resources`, pointer(`${at}/data`));
      read = linkage.map((l, i) => identifier(l, type, name, `${at}/data/${i}`));
    } else if (linkage === null) read = null;
    else read = identifier(linkage, type, name, `${at}/data`);
    // Read-only relationships are what the server keeps (clients echo them back): checked, then ignored.
    if (!readOnly) result[name] = read;
  }
  return result;
}
