/**
 * The OpenAPI 3.1 document of what the service serves, generated, never written by hand: every route of
 * the route table is an operation (path, method, path parameters, bearer or public), and each body is
 * described by the valibot schemas the code itself parses and renders with, converted to JSON Schema
 * 2020-12 by @valibot/to-json-schema (responses in output mode, request attributes in input mode).
 */
import { toJsonSchema } from '@valibot/to-json-schema';
import { type RouteDef, routeId } from '../routes';
import type { JsonSchema, OperationDoc, ResourceDoc, ResponseDoc, Schema } from './describe';
import { OPERATIONS, RESOURCES } from './registry';

export interface OpenApiOptions {
  routes: readonly RouteDef[];
  /** The URL clients call (the request's origin): Swagger UI's "Try it out" goes there. */
  serverUrl?: string;
  version?: string;
  resources?: Record<string, ResourceDoc>;
  operations?: Record<string, OperationDoc>;
}

export type OpenApiDocument = Record<string, unknown> & {
  paths: Record<string, Record<string, Record<string, unknown>>>;
  components: { schemas: Record<string, JsonSchema>; [member: string]: unknown };
};

const JSONAPI = 'application/vnd.api+json';
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const pascal = (type: string) => type.replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase());
const plural = (type: string) => `${pascal(type).replace(/([a-z])([A-Z])/g, '$1 $2')}s`;

/** A valibot schema as JSON Schema 2020-12; checks JSON Schema cannot say (a regex's backtracking, a TCL flow) are left out. */
function convert(schema: Schema, typeMode: 'input' | 'output'): JsonSchema {
  const { $schema: _, ...json } = toJsonSchema(schema, { target: 'draft-2020-12', typeMode, errorMode: 'ignore' }) as JsonSchema;
  return json;
}

type Kind = 'list' | 'get' | 'create' | 'update' | 'delete';
const kindOf = (route: RouteDef): Kind =>
  route.method === 'GET' ? (route.path.endsWith('}') ? 'get' : 'list') : ({ POST: 'create', PATCH: 'update', DELETE: 'delete' } as const)[route.method];
const folderOf = (handler: string) => handler.replace(/^functions\//, '').split('/')[0]?.replace(/\.ts$/, '') ?? '';

const QUERY_PARAMETERS: Record<string, string> = {
  include: 'Related resources to include, comma-separated (JSON:API `include`).',
  sort: 'Sort fields, comma-separated; a leading `-` sorts descending.',
  'page[size]': 'Resources per page.',
  'page[number]': 'The page, counted from 1.',
  'page[totals]': 'Ask for the total count in `meta`.',
  'page[cursor]': 'The cursor of the next page (from `links.next`).',
  filter: 'An RSQL filter.',
};
const describeQuery = (name: string) =>
  QUERY_PARAMETERS[name] ?? (name.startsWith('filter[') ? 'An RSQL filter on this type\'s attributes, e.g. `name==foo`.' : name.startsWith('fields[') ? 'Sparse fieldset: the attributes and relationships to return, comma-separated.' : name);

/** Error statuses a route can answer besides its successes (each a JSON:API error document). */
function errorStatuses(route: RouteDef, op: OperationDoc | undefined): number[] {
  if (route.auth === 'none') return [...(op?.errors ?? [])];
  const byMethod: Record<RouteDef['method'], number[]> = { GET: [], POST: [409, 413, 415], PATCH: [409, 413, 415], DELETE: [409] };
  return [400, 401, 403, 404, ...byMethod[route.method], ...(op?.errors ?? []), 503];
}

const ERROR_TITLES: Record<number, string> = {
  400: 'The request is malformed or a value is invalid (the error names it in `source`).',
  401: 'No valid bearer token.',
  403: 'The caller may not do this.',
  404: 'No such resource, or the caller is not a member of its organization.',
  405: 'The path does not serve this method.',
  409: 'The request conflicts with the resource\'s state.',
  413: 'The body is too large.',
  415: 'The body is not JSON:API (or JSON).',
  422: 'The request is well-formed but cannot be processed (TFE API).',
  503: 'A backend was briefly unavailable; retry after `Retry-After` seconds.',
};

export function openApiDocument(options: OpenApiOptions): OpenApiDocument {
  const resources = options.resources ?? RESOURCES;
  const operations = options.operations ?? OPERATIONS;
  const schemas: Record<string, JsonSchema> = commonSchemas();
  const types = new Map<string, ResourceDoc>();
  for (const doc of Object.values(resources)) {
    const type = typeOf(doc);
    if (types.has(type)) continue;
    types.set(type, doc);
    schemas[pascal(type)] = convert(doc.resource, 'output');
    if (doc.create) schemas[`${pascal(type)}CreateAttributes`] = convert(doc.create, 'input');
    if (doc.update) schemas[`${pascal(type)}UpdateAttributes`] = convert(doc.update, 'input');
  }
  schemas.Resource = {
    description: 'Any resource object of this API (in `included`).',
    oneOf: [...types.keys()].map((t) => ref(pascal(t))),
    discriminator: { propertyName: 'type', mapping: Object.fromEntries([...types.keys()].map((t) => [t, `#/components/schemas/${pascal(t)}`])) },
  };

  const paths: OpenApiDocument['paths'] = {};
  const tags = new Set<string>();
  for (const route of options.routes) {
    // A module's own entry, else its folder's (a key ending in '/': every route of that folder).
    const op = operations[route.handler] ?? operations[`functions/${folderOf(route.handler)}/`];
    const resource = op ? undefined : resources[folderOf(route.handler)];
    if (!op && !resource) throw new Error(`${route.method} ${route.path}: ${route.handler} is described nowhere; add its folder or module to shared/openapi/registry.ts`);
    const operation = op ? special(route, op) : crud(route, resource as ResourceDoc);
    tags.add((operation.tags as string[])[0] as string);
    const errors = errorStatuses(route, op);
    const responses = operation.responses as Record<string, unknown>;
    for (const status of errors) responses[status] = { $ref: `#/components/responses/Error${status}` };
    (paths[route.path] ??= {})[route.method.toLowerCase()] = {
      ...operation,
      parameters: [...pathParameters(route.path), ...((operation.parameters as unknown[]) ?? [])],
      ...(route.auth === 'none' ? { security: [] } : {}),
    };
  }

  return {
    openapi: '3.1.0',
    info: {
      title: 'Terrakube Jobs API',
      version: options.version ?? '0.1.0',
      description: [
        'The Terrakube Jobs API: organizations, teams, workspaces, variables, templates, webhooks and the jobs that run them.',
        'Resources are JSON:API 1.1 documents (`application/vnd.api+json`); every error is a JSON:API error document.',
        'Callers authenticate with a bearer token: a Terrakube personal access token (HS256) or an OIDC access token.',
        'Generated from the route table and the valibot schemas the service itself parses and renders with.',
      ].join('\n\n'),
    },
    ...(options.serverUrl ? { servers: [{ url: options.serverUrl }] } : {}),
    security: [{ bearer: [] }],
    tags: [...tags].sort().map((name) => ({ name })),
    paths,
    components: {
      schemas,
      responses: Object.fromEntries(
        Object.entries(ERROR_TITLES).map(([status, description]) => [`Error${status}`, { description, content: { [JSONAPI]: { schema: ref('Errors') } } }]),
      ),
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A Terrakube personal access token or an OIDC access token.' } },
    },
  };
}

function typeOf(doc: ResourceDoc): string {
  const literal = (doc.resource.entries.type as unknown as { literal: string }).literal;
  return literal;
}

function pathParameters(path: string) {
  return [...path.matchAll(/\{(\w+)\}/g)].map((m) => ({
    name: m[1],
    in: 'path',
    required: true,
    schema: { type: 'string' },
    description: m[1] === 'jobId' ? 'The job id (a number).' : `The ${m[1]?.replace(/Id$/, '')}'s id.`,
  }));
}

const queryParameters = (names: readonly string[]) => names.map((name) => ({ name, in: 'query', required: false, schema: { type: 'string' }, description: describeQuery(name) }));

function document(data: JsonSchema, collection: boolean): JsonSchema {
  return {
    type: 'object',
    required: ['jsonapi', 'data'],
    properties: {
      jsonapi: ref('JsonApiVersion'),
      data: collection ? { type: 'array', items: data } : data,
      included: { type: 'array', items: ref('Resource') },
      links: ref('Links'),
      meta: { type: 'object' },
    },
    additionalProperties: false,
  };
}

function requestBody(type: string, attributes: string, id: boolean, relationships: Record<string, string> | undefined) {
  const schema = {
    type: 'object',
    required: ['data'],
    properties: {
      data: {
        type: 'object',
        required: ['type', ...(id ? ['id'] : [])],
        properties: {
          type: { const: type },
          ...(id ? { id: { type: 'string' } } : {}),
          attributes: ref(attributes),
          relationships: {
            type: 'object',
            properties: Object.fromEntries(
              Object.entries(relationships ?? {}).map(([name, linked]) => [name, { type: 'object', properties: { data: { type: 'object', properties: { type: { const: linked }, id: { type: 'string' } } } } }]),
            ),
          },
        },
      },
    },
  };
  return { required: true, content: { [JSONAPI]: { schema }, 'application/json': { schema } } };
}

function crud(route: RouteDef, doc: ResourceDoc): Record<string, unknown> {
  const type = typeOf(doc);
  const name = pascal(type);
  const tag = doc.tag ?? plural(type);
  const kind = kindOf(route);
  const single = { [JSONAPI]: { schema: document(ref(name), false) } };
  const noun = type.replace(/_/g, ' ');
  const one = `${/^[aeiou]/.test(noun) ? 'an' : 'a'} ${noun}`;
  const summaries: Record<Kind, string> = { list: `List ${plural(type).toLowerCase()}`, get: `Read ${one}`, create: `Create ${one}`, update: `Update ${one}`, delete: `Delete ${one}` };
  const base = { operationId: routeId(route), summary: summaries[kind], tags: [tag] };
  if (kind === 'list') {
    return { ...base, parameters: queryParameters(doc.query?.list ?? []), responses: { 200: { description: `The ${plural(type).toLowerCase()}.`, content: { [JSONAPI]: { schema: document(ref(name), true) } } } } };
  }
  if (kind === 'get') return { ...base, parameters: queryParameters(doc.query?.get ?? []), responses: { 200: { description: `The ${noun}.`, content: single } } };
  if (kind === 'delete') return { ...base, responses: { 204: { description: 'Deleted.' } } };
  const attributes = kind === 'create' ? doc.create : doc.update;
  if (!attributes) throw new Error(`${route.method} ${route.path}: the ${type} resource has no ${kind} schema in shared/openapi/registry.ts`);
  const body = requestBody(type, `${name}${kind === 'create' ? 'Create' : 'Update'}Attributes`, kind === 'update', doc.requestRelationships);
  if (kind === 'create') {
    return {
      ...base,
      requestBody: body,
      responses: { 201: { description: 'Created.', headers: { Location: { description: 'The new resource\'s URL.', schema: { type: 'string' } } }, content: single } },
    };
  }
  return {
    ...base,
    requestBody: body,
    responses: { 200: { description: 'Updated; the document is returned when the update made something the client must see (a rotated webhook secret).', content: single }, 204: { description: 'Updated.' } },
  };
}

function special(route: RouteDef, op: OperationDoc): Record<string, unknown> {
  const responses = Object.fromEntries(
    Object.entries(op.responses).map(([status, r]: [string, ResponseDoc]) => [
      status,
      { description: r.description, ...(r.headers ? { headers: r.headers } : {}), ...(r.content ? { content: Object.fromEntries(Object.entries(r.content).map(([media, schema]) => [media, { schema }])) } : {}) },
    ]),
  );
  return {
    operationId: routeId(route),
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    tags: [op.tag],
    parameters: [
      ...(op.query ?? []).map((q) => ({ name: q.name, in: 'query', required: false, schema: { type: 'string' }, description: q.description })),
      ...(op.headers ?? []).map((h) => ({ name: h.name, in: 'header', required: false, schema: { type: 'string' }, description: h.description })),
    ],
    responses,
  };
}

function commonSchemas(): Record<string, JsonSchema> {
  return {
    JsonApiVersion: { type: 'object', required: ['version'], properties: { version: { const: '1.1' } }, additionalProperties: false },
    Links: { type: 'object', additionalProperties: { type: ['string', 'null'] } },
    Errors: {
      description: 'A JSON:API error document.',
      type: 'object',
      required: ['errors'],
      properties: {
        jsonapi: ref('JsonApiVersion'),
        errors: {
          type: 'array',
          minItems: 1,
          items: {
            type: 'object',
            required: ['status', 'title', 'detail'],
            properties: {
              status: { type: 'string', pattern: '^[45][0-9]{2}$' },
              title: { type: 'string' },
              detail: { type: 'string' },
              source: {
                type: 'object',
                properties: { pointer: { type: 'string' }, parameter: { type: 'string' }, header: { type: 'string' } },
                additionalProperties: false,
              },
            },
            additionalProperties: false,
          },
        },
      },
      additionalProperties: false,
    },
  };
}
