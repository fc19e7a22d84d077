/**
 * Documents in the TFE API's dialect of JSON:API (what go-tfe, through hashicorp/jsonapi, decodes):
 * dashed attribute names, plural types that must match exactly (also in relationships), string ids,
 * timestamps in UTC ending in Z, and `meta.pagination` on every list (go-tfe's loops stop on it).
 * Request documents are read leniently, as TFE does: unknown attributes are ignored, and some bodies
 * (a lock's) carry an empty type.
 */
import { Conflict, Invalid, pointer } from '../domain/errors';
import { document, type Document, type Relationship, type ResourceObject } from '../http/jsonapi';

export const one = (type: string, id: string | null | undefined): Relationship => ({ data: id ? { type, id } : null });
export const many = (type: string, ids: string[]): Relationship => ({ data: ids.map((id) => ({ type, id })) });

export const tfeDocument = (data: ResourceObject | null, included?: ResourceObject[]): Document => document(data, included?.length ? { included } : {});

export interface Page {
  number: number;
  size: number;
}

/** page[number] and page[size] as go-tfe sends them (defaults 1 and 20, size at most 100). */
export function pageOf(query: Map<string, string>): Page {
  const num = Number(query.get('page[number]') ?? 1);
  const size = Number(query.get('page[size]') ?? 20);
  return { number: Number.isSafeInteger(num) && num >= 1 ? num : 1, size: Number.isSafeInteger(size) && size >= 1 ? Math.min(size, 100) : 20 };
}

/** The items of one page of a list known whole. */
export const pageItems = <T>(all: T[], page: Page): T[] => all.slice((page.number - 1) * page.size, page.number * page.size);

/** A page of a list (`items`: the page's), with the pagination go-tfe reads. */
export function tfeList(items: ResourceObject[], page: Page = { number: 1, size: Math.max(items.length, 1) }, totalCount = items.length): Document {
  const totalPages = Math.max(1, Math.ceil(totalCount / page.size));
  return document(items, {
    meta: {
      pagination: {
        'current-page': page.number,
        'page-size': page.size,
        'prev-page': page.number > 1 ? page.number - 1 : null,
        'next-page': page.number < totalPages ? page.number + 1 : null,
        'total-pages': totalPages,
        'total-count': totalCount,
      },
    },
  });
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface TfeInput {
  attributes: Record<string, unknown>;
  relationships: Record<string, { type: string; id: string } | null>;
}

/**
 * A request document: `data` must be an object of the given type (`''` accepts any, as a lock's has
 * none); attributes and to-one linkages are returned, anything else in it is ignored. No body: nothing.
 */
export function readTfeDocument(body: unknown, type: string): TfeInput {
  if (body === undefined) return { attributes: {}, relationships: {} };
  if (!isObject(body) || !isObject(body.data)) throw new Invalid('the request body must be a JSON:API document with a data object', pointer('/data'));
  const data = body.data;
  if (type && data.type !== type) {
    if (typeof data.type !== 'string') throw new Invalid('data.type is required', pointer('/data/type'));
    throw new Conflict(`data.type '${data.type}' is not '${type}'`, pointer('/data/type'));
  }
  const attributes = data.attributes ?? {};
  if (!isObject(attributes)) throw new Invalid('data.attributes must be an object', pointer('/data/attributes'));
  const relationships: TfeInput['relationships'] = {};
  if (data.relationships !== undefined) {
    if (!isObject(data.relationships)) throw new Invalid('data.relationships must be an object', pointer('/data/relationships'));
    for (const [name, rel] of Object.entries(data.relationships)) {
      if (!isObject(rel)) continue;
      const linkage = rel.data;
      if (linkage === null) relationships[name] = null;
      else if (isObject(linkage) && typeof linkage.type === 'string' && typeof linkage.id === 'string') relationships[name] = { type: linkage.type, id: linkage.id };
    }
  }
  return { attributes, relationships };
}

/** An attribute's value checked against a predicate, or the default when it is absent or null. */
export function attr<T>(input: TfeInput, name: string, check: (v: unknown) => v is T, what: string, fallback: T): T {
  const value = input.attributes[name];
  if (value === undefined || value === null) return fallback;
  if (!check(value)) throw new Invalid(`${name} must be ${what}`, pointer(`/data/attributes/${name}`));
  return value;
}

export const isBool = (v: unknown): v is boolean => typeof v === 'boolean';
export const isText = (v: unknown): v is string => typeof v === 'string';
export const isTextList = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');
