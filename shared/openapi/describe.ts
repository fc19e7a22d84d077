/**
 * What the OpenAPI generator needs to know beyond the route table: for each handler folder, the JSON:API
 * resource its CRUD routes serve (its response schema and request attribute schemas, all valibot), and
 * for the few routes that are not CRUD, what they answer. The generator (document.ts) derives every
 * operation from the route table with these; registry.ts holds them.
 */
import type * as v from 'valibot';
import type { AnyResourceSchema } from '../http/resource-schema';

export type Schema = v.GenericSchema;
export type JsonSchema = Record<string, unknown>;

export interface ResourceDoc {
  /** The resource object the routes return (shared/http/resource-schema.ts). */
  resource: AnyResourceSchema;
  /** The attributes a create reads (POST); absent: the folder has no create route. */
  create?: Schema;
  /** The attributes an update reads (PATCH). */
  update?: Schema;
  /** Relationships a request document may carry (name → linked type), e.g. a job's workspace. */
  requestRelationships?: Record<string, string>;
  /** Query parameters the list and read routes accept. */
  query?: { list?: readonly string[]; get?: readonly string[] };
  /** The tag grouping its operations (default: the type's plural, e.g. "Teams"). */
  tag?: string;
}

export interface ResponseDoc {
  description: string;
  /** Media type → JSON Schema of the body (a string body: `{ type: 'string' }`). */
  content?: Record<string, JsonSchema>;
  headers?: Record<string, { description: string; schema: JsonSchema }>;
}

/** A route that is not a resource's list/get/create/update/delete. */
export interface OperationDoc {
  summary: string;
  description?: string;
  tag: string;
  /** Success answers by status; the error answers follow from the method and the auth. */
  responses: Record<number, ResponseDoc>;
  query?: readonly { name: string; description: string }[];
  headers?: readonly { name: string; description: string }[];
  /** Error statuses beyond those of every route of its method (e.g. 413 for a webhook delivery). */
  errors?: readonly number[];
}
