/**
 * Every answer the integration and e2e tests receive is checked against the OpenAPI document the service
 * serves (generated from the route table and the valibot schemas): its status must be one the operation
 * documents, its media type one that status documents, and a JSON body must validate against that
 * schema (ajv, JSON Schema 2020-12, formats from ajv-formats). A request whose path the document does
 * not know (the $default route's 404/405) is not an operation and is left to the JSON:API checker.
 * With sparse fieldsets (`fields[…]`) a resource's attributes and relationships may be partial.
 */
import { appendFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsPlugin from 'ajv-formats';
import { openApiDocument, type OpenApiDocument } from '../../shared/openapi/document';
import { ROUTES } from '../../shared/routes';

type Json = Record<string, any>;
const addFormats = addFormatsPlugin as unknown as (ajv: Ajv2020) => Ajv2020;
const DOCUMENT_ID = 'https://terrakube-jobs.local/openapi.json';
/** Set to a file to record each checked answer's operation and status (`OPENAPI_CHECK_LOG=/tmp/x npm test`: what the suite covers). */
const CHECK_LOG = process.env.OPENAPI_CHECK_LOG;

interface Compiled {
  doc: OpenApiDocument;
  operations: { method: string; template: string; pattern: RegExp; specificity: number[] }[];
  ajv: Ajv2020;
  validators: Map<string, ValidateFunction>;
  /** Where each schema object sits in the document (a JSON pointer), to name the rule an error breaks. */
  pointers: WeakMap<object, string>;
}

function pointersOf(doc: unknown): WeakMap<object, string> {
  const pointers = new WeakMap<object, string>();
  const walk = (node: unknown, at: string) => {
    if (!node || typeof node !== 'object' || pointers.has(node)) return;
    pointers.set(node, at);
    for (const [key, child] of Object.entries(node)) walk(child, `${at}/${pointer(key)}`);
  };
  walk(doc, '#');
  return pointers;
}

/** The document's rule an error breaks: the pointer of the schema holding the failed keyword, and the keyword. */
const ruleOf = (e: ErrorObject, pointers: WeakMap<object, string>) => {
  const at = e.parentSchema && pointers.get(e.parentSchema);
  return at ? `${at}/${e.keyword}` : e.schemaPath;
};
const compiled: Partial<Record<'full' | 'sparse', Compiled>> = {};

/** The document as served, with each resource's attributes and relationships optional (sparse fieldsets) when asked. */
function compile(variant: 'full' | 'sparse'): Compiled {
  const existing = compiled[variant];
  if (existing) return existing;
  const doc = openApiDocument({ routes: ROUTES }) as OpenApiDocument;
  if (variant === 'sparse') {
    for (const schema of Object.values(doc.components.schemas) as Json[]) {
      if (!schema.properties?.attributes) continue;
      delete schema.properties.attributes.required;
      delete schema.properties.relationships?.required;
    }
  }
  // Referenced schemas compile once and are shared (inlined, each operation would compile its own copy).
  const ajv = new Ajv2020({ strict: false, allErrors: true, inlineRefs: false, verbose: true });
  addFormats(ajv);
  ajv.addSchema({ ...doc, $id: DOCUMENT_ID });
  const operations = Object.entries(doc.paths).flatMap(([template, item]) =>
    Object.keys(item).map((method) => ({
      method: method.toUpperCase(),
      template,
      pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^/]+?\}/g, '[^/]+')}$`),
      // A literal segment beats a parameter, as API Gateway routes.
      specificity: template.split('/').map((s) => (s.startsWith('{') ? 0 : 1)),
    })),
  );
  operations.sort((a, b) => {
    for (let i = 0; i < Math.max(a.specificity.length, b.specificity.length); i++) if (a.specificity[i] !== b.specificity[i]) return (b.specificity[i] ?? 0) - (a.specificity[i] ?? 0);
    return 0;
  });
  return (compiled[variant] = { doc, operations, ajv, validators: new Map(), pointers: pointersOf(doc) });
}

const pointer = (...parts: string[]) => parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

/** The operation and status of the answer examined last (undefined: no operation of the document). */
const checked: { last?: string } = {};

/** Every way the answer departs from the document (empty when it conforms). */
export function openApiViolations(method: string, pathAndQuery: string, status: number, contentType: string | null | undefined, text: string): string[] {
  const [rawPath = '', query = ''] = pathAndQuery.split('?', 2);
  const path = rawPath.length > 1 ? rawPath.replace(/\/+$/, '') : rawPath;
  // Decoded first: a client may percent-encode every character of `fields[job]`, as the server decodes it.
  const decoded = (() => {
    try {
      return decodeURIComponent(query);
    } catch {
      return query;
    }
  })();
  const variant = /(^|&)fields\[/i.test(decoded) || /(^|&)fields(\[|%5B)/i.test(query) ? 'sparse' : 'full';
  const { doc, operations, ajv, validators, pointers } = compile(variant);
  const operation = operations.find((o) => o.method === method.toUpperCase() && o.pattern.test(path));
  if (!operation) return [];
  checked.last = `${operation.method} ${operation.template} ${status}`;
  const where = `${method} ${operation.template} → ${status}`;
  const responses = doc.paths[operation.template]?.[operation.method.toLowerCase()]?.responses as Json;
  let response = responses?.[String(status)] as Json | undefined;
  if (!response) return [`${where}: the document does not list status ${status} for this operation (it lists ${Object.keys(responses ?? {}).join(', ')})`];
  let responsePointer = pointer('paths', operation.template, operation.method.toLowerCase(), 'responses', String(status));
  if (response.$ref) {
    const name = String(response.$ref).replace('#/components/responses/', '');
    response = (doc.components.responses as Json)[name] as Json;
    responsePointer = pointer('components', 'responses', name);
  }
  const content = response.content as Json | undefined;
  if (!content) return text === '' ? [] : [`${where}: the document says this answer has no body, but it has one (${contentType})`];
  const media = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (!(media in content)) return [`${where}: media type '${media}' is not one the document lists (${Object.keys(content).join(', ')})`];
  if (!/json/.test(media)) return [];
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return [`${where}: the body is not JSON`];
  }
  const key = `${responsePointer}/${media}`;
  let validate = validators.get(key);
  if (!validate) validators.set(key, (validate = ajv.compile({ $ref: `${DOCUMENT_ID}#/${responsePointer}/content/${pointer(media)}/schema` })));
  if (validate(body)) return [];
  // Each violation names where in the body it is (instancePath) and the rule of the document it breaks.
  return (validate.errors ?? [])
    .slice(0, 10)
    .map((e) => `${where}: ${e.instancePath || '/'} ${e.message}${e.params && Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : ''} (rule ${ruleOf(e, pointers)})`);
}

/** Throws with every departure from the document, for the test that received the answer. */
export function checkOpenApi(method: string, pathAndQuery: string, status: number, contentType: string | null | undefined, text: string): void {
  checked.last = undefined;
  const violations = openApiViolations(method, pathAndQuery, status, contentType, text);
  if (CHECK_LOG && checked.last) appendFileSync(CHECK_LOG, `${checked.last}\n`);
  if (violations.length === 0) return;
  throw new Error(`the answer to ${method} ${pathAndQuery} departs from the OpenAPI document:\n  ${violations.join('\n  ')}\n  body: ${text.slice(0, 500)}`);
}
