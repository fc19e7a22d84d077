/** Helpers every resource service uses: ids, audit fields, responses, and loading the caller's org. */
import { NotFound } from '../domain/errors';
import type { Principal } from '../auth/principal';
import type { ApiRequest, ApiResponse } from '../http/api-handler';
import { document, type ResourceObject } from '../http/jsonapi';
import type { Audit, OrganizationRecord } from '../domain/records';
import { organizationNotFound } from '../domain/permissions';
import { keys, type Key } from '../store/keys';
import { batchGet, getItem, pick, queryAll, stripKeys, type Item } from '../store/table';

export const API_PREFIX = '/api/v1';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const now = (): string => new Date().toISOString();
export const newId = (): string => crypto.randomUUID();

export function createdAudit(principal: Principal, at = now()): Audit {
  return { createdBy: principal.email, createdDate: at, updatedBy: principal.email, updatedDate: at };
}
export const updatedAudit = (principal: Principal, at = now()) => ({ updatedBy: principal.email, updatedDate: at });

export const auditAttributes = (r: Audit) => ({
  createdBy: r.createdBy,
  createdDate: r.createdDate,
  updatedBy: r.updatedBy,
  updatedDate: r.updatedDate,
});
export const AUDIT_ATTRIBUTES = ['createdBy', 'createdDate', 'updatedBy', 'updatedDate'] as const;

/** A path id that cannot exist is simply not found. */
export function uuidParam(req: ApiRequest, name: string, what: string): string {
  const value = req.params[name] ?? '';
  if (!UUID.test(value)) throw new NotFound(`${what} ${value} does not exist`);
  return value.toLowerCase();
}

export function orgParam(req: ApiRequest): string {
  const value = req.params.orgId ?? '';
  if (!UUID.test(value)) throw organizationNotFound(value);
  return value.toLowerCase();
}

export const ok = (body: ApiResponse['body']): ApiResponse => ({ status: 200, body });
export const noContent = (): ApiResponse => ({ status: 204 });
export function created(req: ApiRequest, resource: ResourceObject): ApiResponse {
  const self = resource.links?.self ?? '';
  return { status: 201, body: document(resource), headers: { location: self.startsWith('http') ? self : `${req.baseUrl}${self}` } };
}

export const selfLink = (req: ApiRequest, path: string) => ({ self: `${req.baseUrl}${API_PREFIX}${path}` });

export async function loadOrganization(orgId: string): Promise<OrganizationRecord | undefined> {
  const item = await getItem(keys.organization(orgId));
  return item ? stripKeys<OrganizationRecord>(item) : undefined;
}

/** Reads the organization together with other items in one BatchGetItem. */
export async function loadWithOrganization(orgId: string, others: Key[]): Promise<{ org?: OrganizationRecord; items: (Item | undefined)[] }> {
  const found = await batchGet([keys.organization(orgId), ...others]);
  const orgItem = pick(found, keys.organization(orgId));
  return {
    org: orgItem ? stripKeys<OrganizationRecord>(orgItem) : undefined,
    items: others.map((k) => {
      const item = pick(found, k);
      return item ? stripKeys(item) : undefined;
    }),
  };
}

/** The attributes a PATCH actually sent (valibot leaves absent optional keys undefined). */
export function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/** The organization's items under one sort key prefix (its teams, its templates), sorted by name. */
export async function listInOrganization<T extends { name: string }>(orgId: string, prefix: string): Promise<T[]> {
  const items = await queryAll({
    KeyConditionExpression: 'pk = :p AND begins_with(sk, :s)',
    ExpressionAttributeValues: { ':p': `ORG#${orgId}`, ':s': prefix },
  });
  return items.map((i) => stripKeys<T>(i)).sort((a, b) => a.name.localeCompare(b.name));
}

/** The organization of the path and the child item its `{idParam}` names, read in one request. */
export async function loadOrganizationChild<T>(req: ApiRequest, idParam: string, what: string, key: (orgId: string, id: string) => Key) {
  const orgId = orgParam(req);
  const id = uuidParam(req, idParam, what);
  const { org, items } = await loadWithOrganization(orgId, [key(orgId, id)]);
  return { orgId, id, org, item: items[0] as T | undefined };
}
