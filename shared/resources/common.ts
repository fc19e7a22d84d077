/** Helpers every resource service uses: ids, audit fields, responses, and loading the caller's org. */
import type { Principal } from '../auth/principal';
import type { ApiRequest, ApiResponse } from '../http/api-handler';
import { notFound } from '../http/errors';
import { document, type ResourceObject } from '../http/jsonapi';
import type { Audit, OrganizationRecord } from '../domain/records';
import { organizationNotFound } from '../domain/permissions';
import { keys, type Key } from '../store/keys';
import { batchGet, getItem, pick, stripKeys, type Item } from '../store/table';

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
  if (!UUID.test(value)) throw notFound(`${what} ${value} does not exist`);
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
