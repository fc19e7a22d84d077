/** Who may do what in an organization (contract §6), as pure rules over the organization's teams. */
import { describe, expect, it } from 'vitest';
import type { Principal } from '../../shared/auth/principal';
import { Forbidden, NotFound } from '../../shared/domain/errors';
import {
  authorize,
  canApprove,
  canCancel,
  hasPermission,
  isMember,
  requireAdmin,
  requireMember,
  requirePermission,
  type OrganizationAccess,
} from '../../shared/domain/permissions';

const org: OrganizationAccess = {
  id: 'org-1',
  teams: {
    READERS: { manageWorkspace: false, manageTemplate: false, manageJob: false },
    JOBS: { manageWorkspace: false, manageTemplate: false, manageJob: true },
  },
};
const caller = (groups: string[], isAdmin = false): Principal => ({ email: 'x@example.com', groups, isAdmin });
const outsider = caller(['SOMEONE_ELSE']);
const reader = caller(['READERS']);
const jobs = caller(['JOBS', 'OPS']);
const admin = caller([], true);

describe('permissions', () => {
  it('makes members of the teams, and administrators', () => {
    expect([outsider, reader, jobs, admin].map((p) => isMember(p, org))).toEqual([false, true, true, true]);
    expect([outsider, reader, jobs, admin].map((p) => hasPermission(p, org, 'manageJob'))).toEqual([false, false, true, true]);
    expect(hasPermission(jobs, org, 'manageWorkspace')).toBe(false);
  });

  it('hides an organization from outsiders (not found), and refuses members without the flag (forbidden)', () => {
    expect(() => requireMember(outsider, org, 'org-1')).toThrow(new NotFound('organization org-1 does not exist'));
    expect(() => requireMember(admin, undefined, 'org-1')).toThrow(NotFound);
    expect(requireMember(reader, org, 'org-1')).toBe(org);
    expect(() => requirePermission(outsider, org, 'org-1', 'manageJob', 'creating jobs')).toThrow(NotFound);
    expect(() => requirePermission(reader, org, 'org-1', 'manageJob', 'creating jobs')).toThrow(new Forbidden('creating jobs needs the manageJob permission'));
    expect(requirePermission(jobs, org, 'org-1', 'manageJob', 'creating jobs')).toBe(org);
    expect(() => requireAdmin(jobs, org, 'org-1', 'managing teams')).toThrow(new Forbidden('managing teams is reserved to administrators'));
    expect(() => requireAdmin(outsider, org, 'org-1', 'managing teams')).toThrow(NotFound);
    expect(requireAdmin(admin, org, 'org-1', 'managing teams')).toBe(org);
  });

  it('lets the approval team and administrators approve; manageJob members cancel too', () => {
    expect(canApprove(jobs, 'OPS')).toBe(true);
    expect(canApprove(reader, 'OPS')).toBe(false);
    expect(canApprove(reader, null)).toBe(false);
    expect(canApprove(admin, null)).toBe(true);
    expect(canCancel(jobs, org, null)).toBe(true);
    expect(canCancel(caller(['READERS', 'OPS']), org, 'OPS')).toBe(true);
    expect(canCancel(reader, org, 'OPS')).toBe(false);
  });

  it('authorizes a job creation for a caller with manageJob, and for a webhook trigger while the organization exists', () => {
    expect(authorize.createJob({ principal: jobs }, org, 'org-1')).toBe(org);
    expect(() => authorize.createJob({ principal: reader }, org, 'org-1')).toThrow(Forbidden);
    expect(() => authorize.createJob({ principal: outsider }, org, 'org-1')).toThrow(NotFound);
    expect(authorize.createJob({ trigger: 'webhook' }, org, 'org-1')).toBe(org);
    expect(() => authorize.createJob({ trigger: 'webhook' }, undefined, 'org-1')).toThrow(new NotFound('organization org-1 no longer exists'));
  });
});
