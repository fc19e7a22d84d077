/**
 * The read side of the CRUD recipe (crud.ts): lists and single reads.
 *
 * Lists: without page parameters up to 500 rows (Elide's default) and `links.next` beyond; `page[size]`
 * up to 500, `page[cursor]` (links.next), `page[number]` (walks the earlier pages reading keys only).
 * One Query per page. `filter[<type>]` or `filter` (RSQL, collection-filter.ts) is applied to each page;
 * a filter naming one `name` exactly is a look-up through the name guard instead (two key reads,
 * never a Query of the collection). Reads: `include` of the resource's relationship names (those it
 * does not model come with empty linkage) and `fields[<type>]` (sparse fieldsets) on both.
 */
import { Invalid, parameter } from '../domain/errors';
import type { ApiRequest } from '../http/api-handler';
import { document, type Relationship, type ResourceObject } from '../http/jsonapi';
import { read } from '../store/table';
import { decodeCursor, encodeCursor, readPage, skipItems } from '../store/pages';
import { API_PREFIX, ok } from './common';
import { exactValue, matches, parseCollectionFilter, type Filter } from './collection-filter';
import type { Ids, Operation, ResourceSpec, Route, Scope } from './crud';
import type { Ref } from '../store/repositories/batch';

export const PAGE_SIZE = 500;
const MAX_OFFSET = 10_000;

/** What `include` reads for a record: linkage to set and the resources to include. */
export interface Inclusion {
  relationships: Record<string, Relationship>;
  included: ResourceObject[];
}

export interface Included<R> {
  /** Every relationship name the type has in Terrakube's model. */
  names: readonly string[];
  load?(req: ApiRequest, scope: Scope<R>, record: R, wanted: ReadonlySet<string>): Promise<Inclusion>;
}

type Resolve<R> = (req: ApiRequest, ids: Ids, member: boolean, op?: Operation, refs?: Record<string, Ref<unknown> | undefined>) => Promise<Scope<R>>;

/** The query parameters a list or a read of `type` understands. */
export const listQuery = (type: string) => [`filter[${type}]`, 'filter', 'page[size]', 'page[number]', 'page[cursor]', `fields[${type}]`] as const;
export const readQuery = (type: string, included: readonly string[] = []) => ['include', `fields[${type}]`, ...included.filter((t) => t !== type).map((t) => `fields[${t}]`)] as const;

function integer(req: ApiRequest, name: string, min: number, max: number): number | undefined {
  const raw = req.query.get(name);
  if (raw === undefined) return undefined;
  if (!/^\d{1,7}$/.test(raw) || Number(raw) < min || Number(raw) > max) throw new Invalid(`${name} must be an integer from ${min} to ${max}`, parameter(name));
  return Number(raw);
}

/** Sparse fieldsets: only the attributes and relationships named in fields[<type>]. */
export function sparse(req: ApiRequest, resource: ResourceObject): ResourceObject {
  const raw = req.query.get(`fields[${resource.type}]`);
  if (raw === undefined) return resource;
  const wanted = new Set(raw.split(',').map((f) => f.trim()));
  const keep = <T>(o: Record<string, T> | undefined) => (o ? Object.fromEntries(Object.entries(o).filter(([k]) => wanted.has(k))) : undefined);
  return { ...resource, attributes: keep(resource.attributes) ?? {}, ...(resource.relationships ? { relationships: keep(resource.relationships) } : {}) };
}

export function parseInclude(req: ApiRequest, names: readonly string[]): Set<string> {
  const raw = req.query.get('include');
  const wanted = new Set<string>();
  if (raw === undefined) return wanted;
  for (const name of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (!names.includes(name)) throw new Invalid(`include '${name}' is not supported (supported: ${names.join(', ')})`, parameter('include'));
    wanted.add(name);
  }
  return wanted;
}

function pageLink(req: ApiRequest, path: string, cursor?: string): string {
  const params = new Map(req.query);
  params.delete('page[number]');
  params.delete('page[cursor]');
  if (cursor) params.set('page[cursor]', cursor);
  const query = [...params].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
  return `${req.baseUrl}${API_PREFIX}${path}${query ? `?${query}` : ''}`;
}

export function readRoutes<R extends { id: string }>(spec: ResourceSpec<R>, pathIds: (req: ApiRequest, member: boolean) => Ids, resolve: Resolve<R>) {
  const fields = { id: 'string' as const, ...spec.filterable };
  const filterOf = (req: ApiRequest): Filter | undefined => {
    const typed = req.query.get(`filter[${spec.type}]`);
    const untyped = req.query.get('filter');
    if (typed !== undefined && untyped !== undefined) throw new Invalid(`use filter[${spec.type}] or filter, not both`, parameter('filter'));
    return parseCollectionFilter(typed ?? untyped, fields, typed !== undefined ? `filter[${spec.type}]` : 'filter');
  };
  const visible = (req: ApiRequest, filter: Filter | undefined) => (r: R) => matches(filter, { ...spec.render(req, r).attributes, id: r.id });

  /** The page of the collection the request asks for: its records and where the next one starts. */
  async function page(req: ApiRequest, scope: Scope<R>): Promise<{ records: R[]; next?: string }> {
    const c = spec.repository.collection?.(scope);
    if (!c) return { records: (await spec.repository.list?.(scope)) ?? [] };
    const size = integer(req, 'page[size]', 1, PAGE_SIZE) ?? PAGE_SIZE;
    const number = integer(req, 'page[number]', 1, 1_000_000) ?? 1;
    const cursor = req.query.get('page[cursor]');
    if (cursor !== undefined && number > 1) throw new Invalid('use page[cursor] or page[number], not both', parameter('page[cursor]'));
    let start = cursor !== undefined ? decodeCursor(cursor, c.partition, c.prefix) : undefined;
    if (number > 1) {
      if ((number - 1) * size > MAX_OFFSET) throw new Invalid(`page[number] reaches past ${MAX_OFFSET} rows; follow links.next instead`, parameter('page[number]'));
      const skipped = await skipItems(c.partition, (number - 1) * size, { prefix: c.prefix });
      if (skipped === 'past-the-end') return { records: [] };
      start = skipped;
    }
    const got = await readPage(c.partition, { limit: size, start }, { prefix: c.prefix });
    const records = got.items.map(c.decode);
    if (c.order) records.sort(c.order);
    return { records, ...(got.next ? { next: encodeCursor(got.next) } : {}) };
  }

  return {
    list: (): Route =>
      Object.assign(
        async (req: ApiRequest) => {
          const ids = pathIds(req, false);
          const filter = filterOf(req);
          const byName = spec.repository.byName;
          const name = byName ? exactValue(filter, byName.field) : undefined;
          let records: R[];
          let next: string | undefined;
          if (byName && name !== undefined) {
            // A look-up by name: the guard (read with the scope) names the one record that can match.
            const guard = byName.ref(ids, name);
            const scope = await resolve(req, ids, false, undefined, { byName: guard });
            const owner = spec.root ? await read(guard) : (scope.refs.byName as string | undefined);
            const found = owner ? await read(byName.item(ids, owner)) : undefined;
            records = found && (spec.repository.readable?.(scope, found) ?? true) ? [found] : [];
          } else {
            ({ records, next } = await page(req, await resolve(req, ids, false)));
          }
          const path = spec.collectionPath(ids);
          return ok(
            document(
              records.filter(visible(req, filter)).map((r) => sparse(req, spec.render(req, r))),
              { links: { self: pageLink(req, path, req.query.get('page[cursor]')), ...(next ? { next: pageLink(req, path, next) } : {}) } },
            ),
          );
        },
        { query: listQuery(spec.type) },
      ),

    get: (): Route =>
      Object.assign(
        async (req: ApiRequest) => {
          const wanted = parseInclude(req, spec.include?.names ?? []);
          const scope = await resolve(req, pathIds(req, true), true);
          const record = scope.item as R;
          const resource = spec.render(req, record);
          if (!req.query.has('include')) return ok(document(sparse(req, resource)));
          const inclusion = (await spec.include?.load?.(req, scope, record, wanted)) ?? { relationships: {}, included: [] };
          const primary = { ...resource, relationships: { ...resource.relationships, ...inclusion.relationships } };
          return ok(document(sparse(req, primary), { included: inclusion.included.map((r) => sparse(req, r)) }));
        },
        // Sparse fieldsets for the included types too (fields[job] beside include=job).
        { query: readQuery(spec.type, spec.include?.names ?? []) },
      ),
  };
}
