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
  attributes: Record<string, unknown>;
  relationships: Record<string, ResourceIdentifier | null>;
}

export interface IncomingOptions {
  type: string;
  /** PATCH: the id from the path, which data.id must repeat. POST: undefined. */
  id?: string;
  /** Relationship name -> accepted resource type. Anything else is rejected. */
  relationships?: Record<string, string>;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const ALLOWED_TOP_LEVEL = new Set(['data', 'meta', 'jsonapi']);
const ALLOWED_DATA_MEMBERS = new Set(['type', 'id', 'lid', 'attributes', 'relationships', 'links', 'meta']);

/** Checks a request document's structure; returns its attributes and to-one relationship linkages. */
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
  if (data.type !== options.type) {
    throw new Conflict(`data.type '${data.type}' does not match this collection's type '${options.type}'`, pointer('/data/type'));
  }
  if (options.id === undefined) {
    if (data.id !== undefined) throw new Forbidden('client-generated ids are not supported', pointer('/data/id'));
  } else {
    if (data.id === undefined) throw new Invalid('data.id is required when updating a resource', pointer('/data/id'));
    if (typeof data.id !== 'string') throw new Invalid('data.id must be a string', pointer('/data/id'));
    if (data.id !== options.id) throw new Conflict(`data.id '${data.id}' does not match the id in the path`, pointer('/data/id'));
  }
  const attributes = data.attributes ?? {};
  if (!isPlainObject(attributes)) throw new Invalid('data.attributes must be an object', pointer('/data/attributes'));
  return { attributes, relationships: readRelationships(data.relationships, options.relationships ?? {}) };
}

function readRelationships(raw: unknown, accepted: Record<string, string>): Record<string, ResourceIdentifier | null> {
  if (raw === undefined) return {};
  if (!isPlainObject(raw)) throw new Invalid('data.relationships must be an object', pointer('/data/relationships'));
  const result: Record<string, ResourceIdentifier | null> = {};
  for (const [name, value] of Object.entries(raw)) {
    const at = `/data/relationships/${name}`;
    const expectedType = Object.hasOwn(accepted, name) ? accepted[name] : undefined;
    if (expectedType === undefined) throw new Invalid(`unknown or read-only relationship '${name}'`, pointer(at));
    if (!isPlainObject(value) || !('data' in value)) throw new Invalid(`relationship '${name}' must have a data member`, pointer(at));
    const linkage = value.data;
    if (linkage === null) {
      result[name] = null;
      continue;
    }
    if (!isPlainObject(linkage)) throw new Invalid(`relationship '${name}' must link one resource`, pointer(`${at}/data`));
    if (linkage.type !== expectedType) {
      throw new Conflict(`relationship '${name}' must link a resource of type '${expectedType}'`, pointer(`${at}/data/type`));
    }
    if (typeof linkage.id !== 'string' || linkage.id === '') {
      throw new Invalid(`relationship '${name}' needs a string id`, pointer(`${at}/data/id`));
    }
    result[name] = { type: expectedType, id: linkage.id };
  }
  return result;
}
