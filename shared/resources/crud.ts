/**
 * The one recipe behind the list/get/create/update/delete routes of every organization resource. A
 * resource configures it (its JSON:API type, schemas, scope, repository, permission, rendering and a
 * few hooks); the recipe does the rest, in the same order everywhere:
 *
 *   path ids → document and attributes → checks that need no read → ONE read (organization, parents,
 *   item, referenced records) → membership (404) → permission (403) → parents and item exist (404) →
 *   checks on what was read → write plan → execute → answer.
 *
 * Each write is planned apart from being executed: a create, update or remove route's `plan(req)` turns
 * the request into a write plan (TxItems, each with the error its failed condition raises), what
 * follows it, and its result, without sending anything. The route itself executes its one plan;
 * JSON:API atomic operations can plan several and execute them merged into one transaction.
 *
 * Each route is made on its own (`export const get = resource.get()` …, annotated pure), so a
 * function's bundle carries only its own route's hooks. Lists and reads (filters, pages, includes,
 * sparse fieldsets) are in crud-read.ts.
 */
import type * as v from 'valibot';
import type { Principal } from '../auth/principal';
import { Forbidden, NotFound } from '../domain/errors';
import { requireAdmin, requireMember, requirePermission, type TeamPermission } from '../domain/permissions';
import type { Audit, OrganizationRecord, WorkspaceRecord } from '../domain/records';
import type { ApiRequest, ApiResponse } from '../http/api-handler';
import { checkEchoed, readAttributes, type AttributeRules, type ObjectSchema } from '../http/attributes';
import { document, readResourceDocument, type IncomingResource, type RelationshipRule, type ResourceObject } from '../http/jsonapi';
import { commit, type Ref, type WritePlan } from '../store/repositories/batch';
import type { Partition } from '../store/keys';
import type { Item } from '../store/table';
import type { WebhookRecord } from '../webhooks/records';
import { created, createdAudit, definedOnly, noContent, ok, orgParam, updatedAudit, uuidParam } from './common';
import type { FieldKind } from './collection-filter';
import { readRoutes, type Included } from './crud-read';

/** Who may write: any member, administrators, or members of a team with this flag. */
export type Rule = 'admin' | TeamPermission;
export type Operation = 'create' | 'update' | 'remove';

/** The path's ids, checked (an id that cannot exist is simply not found): orgId, the parents' and the item's. */
export type Ids = Record<string, string>;

/** A level of the path between the organization and the item. */
export interface Parent {
  param: string;
  noun: string;
}

/** What one read returns: the organization, the parents on the path (those that belong there), the item, the referenced records. */
export interface Loaded<R> {
  organization?: OrganizationRecord;
  parents: { workspace?: WorkspaceRecord; webhook?: WebhookRecord };
  item?: R;
  refs: Record<string, unknown>;
}

/** The scope a request resolved to, once the caller may act on it (no organization: the collection of organizations). */
export interface Scope<R> extends Loaded<R> {
  ids: Ids;
  principal: Principal;
}

/** Where a collection's items live: one partition (keys.ts) read a page per Query. */
export interface Collection<R> {
  partition: Partition;
  /** Sort key prefix of the collection's items in a shared partition. */
  prefix?: string;
  decode(item: Item): R;
  /** Order within a page (pages follow the key order). */
  order?(a: R, b: R): number;
}

/** What the recipe needs of a resource's repository (store/repositories/, or an in-memory fake in unit tests). */
export interface CrudRepository<R> {
  /** The organization, the parents and, when `id` is given, the item, plus `refs`: one read. */
  load(ids: Ids, id: string | undefined, refs: Record<string, Ref<unknown> | undefined>): Promise<Loaded<R>>;
  /** The collection, a page per Query (lists of any length) … */
  collection?(scope: Scope<R>): Collection<R> | undefined;
  /** … or all of it at once (small sets: the caller's organizations). */
  list?(scope: Scope<R>): Promise<R[]>;
  /** A look-up by name: the name guard's read (it names its owner) and the owner's record. */
  byName?: { field: string; ref(ids: Ids, value: string): Ref<string>; item(ids: Ids, id: string): Ref<R> };
  /** Whether the caller may see a record a look-up found (organizations: only the caller's). */
  readable?(scope: Scope<R>, record: R): boolean;
  create(record: R): WritePlan;
  update(before: R, after: R, changes: Partial<R>): WritePlan;
  remove(record: R): WritePlan;
}

/** A write, planned: executing it sends `writes` (all or nothing), then runs `after` (what cannot be in one transaction). */
export interface Planned<T> {
  writes: WritePlan;
  after: (() => Promise<void>)[];
  result: T;
}

/** What the document carried besides attributes: a client-chosen id, relationship linkage. */
export type Incoming = Pick<IncomingResource, 'id' | 'relationships'>;

/** What a create or an update hands the response: the record, and a secret shown this once (webhooks). */
export interface Written<R> {
  record: R;
  secret?: string;
}

/** What a resource is: configured once, then each route is made from it (resource().list() …). */
export interface ResourceSpec<R extends { id: string }> {
  type: string;
  noun: string;
  /** Organizations themselves: the item is the organization, and its collection has no scope. */
  root?: boolean;
  parents: readonly Parent[];
  /** The path parameter of the item's id. */
  idParam: string;
  /** Attributes clients may not write (the audit fields, a webhook's url …). */
  rules: AttributeRules;
  /** Relationship names a document may carry (anything else is a 400). */
  relationships?: Record<string, RelationshipRule>;
  /** POST may choose the id (Terrakube allows it for webhooks and webhook events). */
  clientIds?: boolean;
  /** Attributes `filter[<type>]` may name, with their kinds (id is always filterable). */
  filterable?: Record<string, FieldKind>;
  /** Relationship names `include` accepts, and what including them reads (names it does not load have empty linkage). */
  include?: Included<R>;
  /** Who may write, and what the refusal calls the action (per operation where it differs). */
  access: { write: Rule; action: string | Record<Operation, string> };
  repository: CrudRepository<R>;
  render(req: ApiRequest, record: R, secret?: string): ResourceObject;
  collectionPath(ids: Ids): string;
}

/** Hooks of a create or an update, in the order they run. */
interface WriteHooks<R, S extends ObjectSchema> {
  schema: S;
  /** Checks that need no read, before anything is read (TCL, git sources). */
  validate?(attributes: Partial<v.InferOutput<S>>): void | Promise<void>;
  /** Records the attributes name, read with the scope. */
  references?(ids: Ids, attributes: Partial<v.InferOutput<S>>): Record<string, Ref<unknown> | undefined>;
  /** Checks on what was read, once the caller may write. */
  check?(scope: Scope<R>, attributes: Partial<v.InferOutput<S>>): void | Promise<void>;
}

export interface CreateHooks<R, C extends ObjectSchema> extends WriteHooks<R, C> {
  /** The new record (with the secret to show once, if it made one). */
  build(scope: Scope<R>, attributes: v.InferOutput<C>, audit: Audit, incoming: Incoming): R | Written<R> | Promise<R | Written<R>>;
}

export interface UpdateHooks<R, U extends ObjectSchema> extends WriteHooks<R, U> {
  /** The stored changes (default: the attributes sent, and the audit fields). */
  changes?(scope: Scope<R>, item: R, attributes: Partial<v.InferOutput<U>>, incoming: Incoming): Promise<Written<Partial<R>>>;
  /** What follows a committed update (an unlock starts the next job). */
  after?(before: R, after: R): Promise<void>;
}

export interface RemoveHooks<R> {
  /** What must hold before a delete (no job holds the workspace …); the delete's conditions check it again. */
  check?(scope: Scope<R>, item: R): void | Promise<void>;
  /** What follows a committed delete (the rest of its partition, its webhooks). */
  after?(record: R): Promise<void>;
}

export type Route = (req: ApiRequest) => Promise<ApiResponse>;
/** A route whose write can also be planned without being executed, and answered from the planned result. */
export type PlannedRoute<T> = Route & { plan(req: ApiRequest): Promise<Planned<T>>; answer(req: ApiRequest, result: T): ApiResponse };

export async function execute<T>(planned: Planned<T>): Promise<T> {
  await commit(planned.writes);
  for (const next of planned.after) await next();
  return planned.result;
}

const actionOf = (access: ResourceSpec<never>['access'], op: Operation) => (typeof access.action === 'string' ? access.action : access.action[op]);
const planned = <T>(plan: (req: ApiRequest) => Promise<Planned<T>>, answer: (req: ApiRequest, result: T) => ApiResponse): PlannedRoute<T> =>
  Object.assign(async (req: ApiRequest) => answer(req, await execute(await plan(req))), { plan, answer });

/**
 * The routes of a resource. Each is made on its own (`resource(spec).get()`), so a function's bundle
 * carries only the hooks of its own route (a GET does not load the YAML parser a template's POST needs).
 */
export function resource<R extends { id: string }>(spec: ResourceSpec<R>) {
  const pathIds = (req: ApiRequest, member: boolean): Ids => {
    if (spec.root) return member ? { orgId: orgParam(req) } : {};
    const ids: Ids = { orgId: orgParam(req) };
    for (const p of spec.parents) ids[p.param] = uuidParam(req, p.param, p.noun);
    if (member) ids[spec.idParam] = uuidParam(req, spec.idParam, spec.noun);
    return ids;
  };

  /** The one read, then membership (or the permission to write), then the parents and the item. */
  async function resolve(req: ApiRequest, ids: Ids, member: boolean, op?: Operation, refs: Record<string, Ref<unknown> | undefined> = {}): Promise<Scope<R>> {
    const { principal } = req;
    if (spec.root && !member) {
      // Any caller may list organizations (the repository picks theirs); only administrators create one.
      if (op && !principal.isAdmin) throw new Forbidden(`${actionOf(spec.access, op)} is reserved to administrators`);
      return { ids, principal, parents: {}, refs: {} };
    }
    const orgId = ids.orgId as string;
    const loaded = await spec.repository.load(ids, member ? ids[spec.idParam] : undefined, refs);
    const organization = !op
      ? requireMember(principal, loaded.organization, orgId)
      : spec.access.write === 'admin'
        ? requireAdmin(principal, loaded.organization, orgId, actionOf(spec.access, op))
        : requirePermission(principal, loaded.organization, orgId, spec.access.write, actionOf(spec.access, op));
    for (const p of spec.parents) {
      if (!loaded.parents[p.noun as keyof Loaded<R>['parents']]) throw new NotFound(`${p.noun} ${ids[p.param]} does not exist`);
    }
    if (member && !loaded.item) throw new NotFound(`${spec.noun} ${ids[spec.idParam]} does not exist`);
    return { ...loaded, ids, principal, organization };
  }

  const documentOptions = (id?: string) => ({ type: spec.type, id, clientId: spec.clientIds, relationships: spec.relationships });

  return {
    ...readRoutes(spec, pathIds, resolve),

    create: <C extends ObjectSchema>(hooks: CreateHooks<R, C>): PlannedRoute<Written<R>> =>
      planned(
        async (req) => {
          const ids = pathIds(req, false);
          const input = readResourceDocument(req.body, documentOptions());
          const { values: attributes, echoed } = readAttributes(input.attributes, hooks.schema, spec.rules);
          // A new record has no server-set values yet: any sent with a value is a real change.
          checkEchoed(echoed, undefined, spec.rules);
          await hooks.validate?.(attributes);
          const scope = await resolve(req, ids, false, 'create', hooks.references?.(ids, attributes));
          await hooks.check?.(scope, attributes);
          const built = await hooks.build(scope, attributes, createdAudit(req.principal), input);
          const written = 'record' in built ? built : { record: built };
          return { writes: spec.repository.create(written.record), after: [], result: written };
        },
        (req, { record, secret }) => created(req, spec.render(req, record, secret)),
      ),

    /** 204, or 200 with the document when the update made a secret the client must see (a webhook's rotation). */
    update: <U extends ObjectSchema>(hooks: UpdateHooks<R, U>): PlannedRoute<Written<R>> =>
      planned(
        async (req) => {
          const ids = pathIds(req, true);
          const input = readResourceDocument(req.body, documentOptions(req.params[spec.idParam]));
          const read = readAttributes(input.attributes, hooks.schema, spec.rules);
          const attributes = definedOnly(read.values) as Partial<v.InferOutput<U>>;
          await hooks.validate?.(attributes);
          const scope = await resolve(req, ids, true, 'update', hooks.references?.(ids, attributes));
          const before = scope.item as R;
          // Server-set attributes may be echoed with the values they have (clients resend what they read).
          checkEchoed(read.echoed, spec.render(req, before).attributes, spec.rules);
          await hooks.check?.(scope, attributes);
          const { record: changes, secret } = hooks.changes
            ? await hooks.changes(scope, before, attributes, input)
            : { record: { ...attributes, ...updatedAudit(req.principal) } as Partial<R>, secret: undefined };
          const after = { ...before, ...changes };
          const follow = hooks.after;
          return {
            writes: spec.repository.update(before, after, changes),
            after: follow ? [() => follow(before, after)] : [],
            result: { record: after, ...(secret ? { secret } : {}) },
          };
        },
        (req, { record, secret }) => (secret ? ok(document(spec.render(req, record, secret))) : noContent()),
      ),

    remove: (hooks: RemoveHooks<R> = {}): PlannedRoute<R> =>
      planned(
        async (req) => {
          const scope = await resolve(req, pathIds(req, true), true, 'remove');
          const record = scope.item as R;
          await hooks.check?.(scope, record);
          const follow = hooks.after;
          return { writes: spec.repository.remove(record), after: follow ? [() => follow(record)] : [], result: record };
        },
        () => noContent(),
      ),
  };
}
