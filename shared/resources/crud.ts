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
 * function's bundle carries only its own route's hooks.
 */
import type * as v from 'valibot';
import type { Principal } from '../auth/principal';
import { Forbidden, NotFound } from '../domain/errors';
import { requireAdmin, requireMember, requirePermission, type TeamPermission } from '../domain/permissions';
import type { Audit, OrganizationRecord, WorkspaceRecord } from '../domain/records';
import type { ApiRequest, ApiResponse } from '../http/api-handler';
import { checkAttributes, type AttributeRules, type ObjectSchema } from '../http/attributes';
import { document, readResourceDocument, type ResourceObject } from '../http/jsonapi';
import { commit, type Ref, type WritePlan } from '../store/repositories/batch';
import type { WebhookRecord } from '../webhooks/records';
import { created, createdAudit, definedOnly, noContent, ok, orgParam, selfLink, updatedAudit, uuidParam } from './common';

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

/** What the recipe needs of a resource's repository (store/repositories/, or an in-memory fake in unit tests). */
export interface CrudRepository<R> {
  /** The organization, the parents and, when `id` is given, the item, plus `refs`: one read. */
  load(ids: Ids, id: string | undefined, refs: Record<string, Ref<unknown> | undefined>): Promise<Loaded<R>>;
  list(scope: Scope<R>): Promise<R[]>;
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
  build(scope: Scope<R>, attributes: v.InferOutput<C>, audit: Audit): R | Written<R> | Promise<R | Written<R>>;
}

export interface UpdateHooks<R, U extends ObjectSchema> extends WriteHooks<R, U> {
  /** The stored changes (default: the attributes sent, and the audit fields). */
  changes?(scope: Scope<R>, item: R, attributes: Partial<v.InferOutput<U>>): Promise<Written<Partial<R>>>;
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
/** A route whose write can also be planned without being executed. */
export type PlannedRoute<T> = Route & { plan(req: ApiRequest): Promise<Planned<T>> };

export async function execute<T>(planned: Planned<T>): Promise<T> {
  await commit(planned.writes);
  for (const next of planned.after) await next();
  return planned.result;
}

const actionOf = (access: ResourceSpec<never>['access'], op: Operation) => (typeof access.action === 'string' ? access.action : access.action[op]);
const planned = <T>(plan: (req: ApiRequest) => Promise<Planned<T>>, answer: (req: ApiRequest, result: T) => ApiResponse): PlannedRoute<T> =>
  Object.assign(async (req: ApiRequest) => answer(req, await execute(await plan(req))), { plan });

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

  return {
    list: (): Route => async (req) => {
      const ids = pathIds(req, false);
      const records = await spec.repository.list(await resolve(req, ids, false));
      return ok(
        document(
          records.map((r) => spec.render(req, r)),
          { links: selfLink(req, spec.collectionPath(ids)) },
        ),
      );
    },

    get: (): Route => async (req) => ok(document(spec.render(req, (await resolve(req, pathIds(req, true), true)).item as R))),

    create: <C extends ObjectSchema>(hooks: CreateHooks<R, C>): PlannedRoute<Written<R>> =>
      planned(
        async (req) => {
          const ids = pathIds(req, false);
          const input = readResourceDocument(req.body, { type: spec.type });
          const attributes = checkAttributes(input.attributes, hooks.schema, spec.rules);
          await hooks.validate?.(attributes);
          const scope = await resolve(req, ids, false, 'create', hooks.references?.(ids, attributes));
          await hooks.check?.(scope, attributes);
          const built = await hooks.build(scope, attributes, createdAudit(req.principal));
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
          const input = readResourceDocument(req.body, { type: spec.type, id: req.params[spec.idParam] });
          const attributes = definedOnly(checkAttributes(input.attributes, hooks.schema, spec.rules)) as Partial<v.InferOutput<U>>;
          await hooks.validate?.(attributes);
          const scope = await resolve(req, ids, true, 'update', hooks.references?.(ids, attributes));
          const before = scope.item as R;
          await hooks.check?.(scope, attributes);
          const { record: changes, secret } = hooks.changes
            ? await hooks.changes(scope, before, attributes)
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
