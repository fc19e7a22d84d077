/**
 * Who may do what (contract §6). An organization's teams map group names to flags; a caller is a
 * member when one of their token groups names a team. Outsiders get 404 for everything in an
 * organization (no existence leak); members without the needed flag get 403.
 */
import type { Principal } from '../auth/principal';
import { Forbidden, NotFound } from './errors';

export interface TeamFlags {
  manageWorkspace: boolean;
  manageTemplate: boolean;
  manageJob: boolean;
  /** Terrakube's planJob: may start jobs (not cancel or delete them). Absent on teams written before it existed. */
  planJob?: boolean;
}
export type TeamPermission = keyof TeamFlags;

export interface OrganizationAccess {
  id: string;
  teams: Record<string, TeamFlags>;
}

export function isMember(principal: Principal, org: OrganizationAccess): boolean {
  return principal.isAdmin || principal.groups.some((g) => Object.hasOwn(org.teams, g));
}

export function hasPermission(principal: Principal, org: OrganizationAccess, permission: TeamPermission): boolean {
  return principal.isAdmin || principal.groups.some((g) => Object.hasOwn(org.teams, g) && org.teams[g]?.[permission] === true);
}

export const organizationNotFound = (orgId: string) => new NotFound(`organization ${orgId} does not exist`);

/** Resolves an organization for a caller: absent and not-a-member look the same (404). */
export function requireMember<T extends OrganizationAccess>(principal: Principal, org: T | undefined, orgId: string): T {
  if (!org || !isMember(principal, org)) throw organizationNotFound(orgId);
  return org;
}

export function requirePermission<T extends OrganizationAccess>(
  principal: Principal,
  org: T | undefined,
  orgId: string,
  permission: TeamPermission,
  action: string,
): T {
  const member = requireMember(principal, org, orgId);
  if (!hasPermission(principal, member, permission)) throw new Forbidden(`${action} needs the ${permission} permission`);
  return member;
}

export function requireAdmin<T extends OrganizationAccess>(principal: Principal, org: T | undefined, orgId: string, action: string): T {
  const member = requireMember(principal, org, orgId);
  if (!principal.isAdmin) throw new Forbidden(`${action} is reserved to administrators`);
  return member;
}

/** Approve or reject: a member of the job's approval team, or an admin. */
export function canApprove(principal: Principal, approvalTeam: string | null | undefined): boolean {
  return principal.isAdmin || (!!approvalTeam && principal.groups.includes(approvalTeam));
}

/** Cancel: a manageJob member, a member of the approval team, or an admin. */
export function canCancel(principal: Principal, org: OrganizationAccess, approvalTeam: string | null | undefined): boolean {
  return hasPermission(principal, org, 'manageJob') || canApprove(principal, approvalTeam);
}

/**
 * Who creates a job: a caller (who needs manageJob), or one of the service's own triggers (a VCS
 * webhook delivery, authenticated by its signature), for which the organization only has to exist.
 */
export type JobCreator = { principal: Principal } | { trigger: 'webhook' | 'schedule' };

export const authorize = {
  createJob<T extends OrganizationAccess>(creator: JobCreator, org: T | undefined, orgId: string): T {
    if ('principal' in creator) {
      const member = requireMember(creator.principal, org, orgId);
      if (!hasPermission(creator.principal, member, 'manageJob') && !hasPermission(creator.principal, member, 'planJob')) {
        throw new Forbidden('creating jobs needs the manageJob or planJob permission');
      }
      return member;
    }
    if (!org) throw new NotFound(`organization ${orgId} no longer exists`);
    return org;
  },
};
