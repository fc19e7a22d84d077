/**
 * JSON:API 1.1 conformance of a response document (the MUSTs a strict client decoder relies on). Every
 * HTTP call the integration and e2e tests make passes through `assertConformant`, so a violation fails
 * the test that received it, naming the JSON path and the rule.
 */

export interface Violation {
  path: string;
  rule: string;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

const TOP_LEVEL = new Set(['data', 'errors', 'meta', 'jsonapi', 'links', 'included']);
const RESOURCE_MEMBERS = new Set(['type', 'id', 'attributes', 'relationships', 'links', 'meta']);
const RESERVED_FIELDS = new Set(['type', 'id', 'relationships', 'links']);
const RELATIONSHIP_MEMBERS = new Set(['data', 'links', 'meta']);
const ERROR_MEMBERS = new Set(['id', 'links', 'status', 'code', 'title', 'detail', 'source', 'meta']);

export interface CheckOptions {
  /** The request asked for sparse fieldsets: full linkage may then be broken (JSON:API §Compound Documents). */
  sparseFieldsets?: boolean;
}

/** Every rule the document breaks (empty when it conforms). */
export function jsonApiViolations(doc: unknown, options: CheckOptions = {}): Violation[] {
  const out: Violation[] = [];
  const fail = (path: string, rule: string) => out.push({ path, rule });
  if (!isObject(doc)) {
    fail('', 'a document must be a JSON object');
    return out;
  }
  for (const key of Object.keys(doc)) {
    // Extension members (e.g. atomic:results) carry a namespace prefix.
    if (!TOP_LEVEL.has(key) && !key.includes(':')) fail(`/${key}`, `unknown top-level member '${key}'`);
  }
  const hasData = 'data' in doc;
  const hasErrors = 'errors' in doc;
  if (!hasData && !hasErrors && !('meta' in doc) && !Object.keys(doc).some((k) => k.includes(':'))) {
    fail('', 'a document must contain at least one of data, errors, meta');
  }
  if (hasData && hasErrors) fail('', 'data and errors must not coexist');
  if ('included' in doc && !hasData) fail('/included', 'included requires data');
  if ('meta' in doc && !isObject(doc.meta)) fail('/meta', 'meta must be an object');
  if ('jsonapi' in doc && !isObject(doc.jsonapi)) fail('/jsonapi', 'jsonapi must be an object');
  if ('links' in doc) checkLinks(doc.links, '/links', fail);

  const primary: Json[] = [];
  if (hasData) {
    const data = doc.data;
    if (Array.isArray(data)) data.forEach((r, i) => checkResource(r, `/data/${i}`, fail) && primary.push(r as Json));
    else if (data !== null && checkResource(data, '/data', fail)) primary.push(data as Json);
  }
  if (hasErrors) checkErrors(doc.errors, fail);
  if ('included' in doc) checkIncluded(doc.included, primary, options, fail);
  return out;
}

/** Throws with every violation, for the test that received the document. */
export function assertConformant(doc: unknown, where: string, options: CheckOptions = {}): void {
  const violations = jsonApiViolations(doc, options);
  if (violations.length === 0) return;
  const lines = violations.map((v) => `  ${v.path || '/'}: ${v.rule}`).join('\n');
  throw new Error(`JSON:API violation in the response to ${where}:\n${lines}`);
}

/** Response content types that promise a JSON:API document. */
export const isJsonApiResponse = (contentType: string | null | undefined) => /^application\/vnd\.api\+json\b/i.test(contentType ?? '');

/** Applies the checker to one HTTP answer when it carries a JSON:API document. */
export function checkAnswer(method: string, pathAndQuery: string, contentType: string | null | undefined, text: string): void {
  if (!isJsonApiResponse(contentType) || text === '') return;
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new Error(`the response to ${method} ${pathAndQuery} says it is JSON:API but is not JSON`);
  }
  const query = pathAndQuery.split('?')[1] ?? '';
  assertConformant(doc, `${method} ${pathAndQuery}`, { sparseFieldsets: /(^|&)fields(\[|%5B)/i.test(query) });
}

type Fail = (path: string, rule: string) => void;

function checkResource(r: unknown, at: string, fail: Fail): boolean {
  if (!isObject(r)) {
    fail(at, 'a resource object must be an object');
    return false;
  }
  if (typeof r.type !== 'string' || r.type === '') fail(`${at}/type`, 'type must be a non-empty string');
  if (typeof r.id !== 'string' || r.id === '') fail(`${at}/id`, 'id must be a non-empty string');
  for (const key of Object.keys(r)) if (!RESOURCE_MEMBERS.has(key)) fail(`${at}/${key}`, `unknown resource member '${key}'`);
  const attributes = r.attributes;
  const relationships = r.relationships;
  if (attributes !== undefined && !isObject(attributes)) fail(`${at}/attributes`, 'attributes must be an object');
  if (relationships !== undefined && !isObject(relationships)) fail(`${at}/relationships`, 'relationships must be an object');
  const attrNames = isObject(attributes) ? Object.keys(attributes) : [];
  const relNames = isObject(relationships) ? Object.keys(relationships) : [];
  for (const name of attrNames) if (RESERVED_FIELDS.has(name)) fail(`${at}/attributes/${name}`, `a resource can not have an attribute named '${name}'`);
  for (const name of relNames) if (RESERVED_FIELDS.has(name)) fail(`${at}/relationships/${name}`, `a resource can not have a relationship named '${name}'`);
  for (const name of attrNames) if (relNames.includes(name)) fail(`${at}/attributes/${name}`, `'${name}' is both an attribute and a relationship`);
  if (isObject(relationships)) for (const [name, rel] of Object.entries(relationships)) checkRelationship(rel, `${at}/relationships/${name}`, fail);
  if ('links' in r) checkLinks(r.links, `${at}/links`, fail);
  if ('meta' in r && !isObject(r.meta)) fail(`${at}/meta`, 'meta must be an object');
  return true;
}

function checkRelationship(rel: unknown, at: string, fail: Fail): void {
  if (!isObject(rel)) return fail(at, 'a relationship must be an object');
  const members = Object.keys(rel);
  if (!members.some((m) => RELATIONSHIP_MEMBERS.has(m))) fail(at, 'a relationship must contain data, links or meta');
  for (const m of members) if (!RELATIONSHIP_MEMBERS.has(m)) fail(`${at}/${m}`, `unknown relationship member '${m}'`);
  if ('links' in rel) checkLinks(rel.links, `${at}/links`, fail);
  if (!('data' in rel)) return;
  const linkage = rel.data;
  if (linkage === null) return;
  const check = (id: unknown, p: string) => {
    if (!isObject(id)) return fail(p, 'resource linkage must be a resource identifier object');
    if (typeof id.type !== 'string' || id.type === '') fail(`${p}/type`, 'type must be a non-empty string');
    if (typeof id.id !== 'string' || id.id === '') fail(`${p}/id`, 'id must be a non-empty string');
    for (const key of Object.keys(id)) if (key !== 'type' && key !== 'id' && key !== 'meta') fail(`${p}/${key}`, `unknown identifier member '${key}'`);
  };
  if (Array.isArray(linkage)) linkage.forEach((id, i) => check(id, `${at}/data/${i}`));
  else check(linkage, `${at}/data`);
}

function checkLinks(links: unknown, at: string, fail: Fail): void {
  if (!isObject(links)) return fail(at, 'links must be an object');
  for (const [name, link] of Object.entries(links)) {
    if (link === null || typeof link === 'string') continue;
    if (!isObject(link) || typeof link.href !== 'string') fail(`${at}/${name}`, 'a link must be a string, null or a link object with href');
  }
}

function checkErrors(errors: unknown, fail: Fail): void {
  if (!Array.isArray(errors)) return fail('/errors', 'errors must be an array');
  errors.forEach((e, i) => {
    const at = `/errors/${i}`;
    if (!isObject(e)) return fail(at, 'an error object must be an object');
    for (const key of Object.keys(e)) if (!ERROR_MEMBERS.has(key)) fail(`${at}/${key}`, `unknown error member '${key}'`);
    if ('status' in e && typeof e.status !== 'string') fail(`${at}/status`, 'status must be a string');
    if ('code' in e && typeof e.code !== 'string') fail(`${at}/code`, 'code must be a string');
    if ('source' in e && !isObject(e.source)) fail(`${at}/source`, 'source must be an object');
    if ('meta' in e && !isObject(e.meta)) fail(`${at}/meta`, 'meta must be an object');
  });
}

const identity = (r: Json) => `${String(r.type)}\u0000${String(r.id)}`;

function linkedFrom(r: Json): string[] {
  if (!isObject(r.relationships)) return [];
  const ids: string[] = [];
  for (const rel of Object.values(r.relationships)) {
    if (!isObject(rel) || !('data' in rel) || rel.data === null) continue;
    for (const id of Array.isArray(rel.data) ? rel.data : [rel.data]) if (isObject(id)) ids.push(identity(id));
  }
  return ids;
}

function checkIncluded(included: unknown, primary: Json[], options: CheckOptions, fail: Fail): void {
  if (!Array.isArray(included)) return fail('/included', 'included must be an array');
  const seen = new Set(primary.map(identity));
  const resources: Json[] = [];
  included.forEach((r, i) => {
    if (!checkResource(r, `/included/${i}`, fail)) return;
    const key = identity(r as Json);
    if (seen.has(key)) fail(`/included/${i}`, `resource ${String((r as Json).type)} ${String((r as Json).id)} appears more than once in the document`);
    seen.add(key);
    resources.push(r as Json);
  });
  if (options.sparseFieldsets) return;
  // Full linkage: every included resource is reachable from primary data through relationships.
  const reached = new Set<string>(primary.map(identity));
  const frontier = [...primary];
  const byKey = new Map(resources.map((r) => [identity(r), r]));
  while (frontier.length > 0) {
    for (const key of linkedFrom(frontier.pop() as Json)) {
      if (reached.has(key)) continue;
      reached.add(key);
      const next = byKey.get(key);
      if (next) frontier.push(next);
    }
  }
  resources.forEach((r) => {
    if (!reached.has(identity(r))) fail(`/included/${included.indexOf(r)}`, `included resource ${String(r.type)} ${String(r.id)} is not linked from the primary data (full linkage)`);
  });
}
