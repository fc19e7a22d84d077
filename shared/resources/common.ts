/** Helpers every resource uses: path ids, audit fields, responses and links. */
import type { Principal } from '../auth/principal';
import { NotFound } from '../domain/errors';
import { organizationNotFound } from '../domain/permissions';
import type { Audit } from '../domain/records';
import type { ApiRequest, ApiResponse } from '../http/api-handler';
import { document, type ResourceObject } from '../http/jsonapi';

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

/** The attributes a PATCH actually sent (valibot leaves absent optional keys undefined). */
export function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, value]) => value !== undefined)) as Partial<T>;
}

export const organizationLinkage = (id: string) => ({ data: { type: 'organization' as const, id } });

/**
 * Linkage for relationships of Terrakube's model this service does not keep: always empty (to-one
 * null, to-many []), so clients that read `relationships.x.data` find it.
 */
export function emptyLinkage(toOne: readonly string[], toMany: readonly string[]): Record<string, { data: null } | { data: [] }> {
  return Object.fromEntries([...toOne.map((n) => [n, { data: null }]), ...toMany.map((n) => [n, { data: [] }])]);
}

/** A to-many relationship whose members are not read with the resource: where to find them. */
export const relatedLink = (req: ApiRequest, path: string) => ({ links: { related: `${req.baseUrl}${API_PREFIX}${path}` } });
