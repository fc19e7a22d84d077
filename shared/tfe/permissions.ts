/**
 * What a caller may do through the TFE API, in the Jobs API's permissions (contract §6): the one
 * mapping from TFE's capabilities to team flags. Outsiders never get here (404 first). When teams gain
 * finer flags (planJob for speculative plans, approveJob, manageState), this is where they plug in.
 */
import type { Principal } from '../auth/principal';
import { Forbidden } from '../domain/errors';
import { canApprove, canCancel, hasPermission, type OrganizationAccess, type TeamPermission } from '../domain/permissions';

export const TFE_CAPABILITIES = {
  /** terraform plan (a speculative run). */
  queueRun: 'manageJob',
  /** terraform apply / destroy. */
  queueApply: 'manageJob',
  createWorkspace: 'manageWorkspace',
  updateWorkspace: 'manageWorkspace',
  /** Local execution and `state push`: lock, write state versions, unlock. */
  writeState: 'manageJob',
  forceUnlock: 'manageWorkspace',
} as const satisfies Record<string, TeamPermission>;

export type TfeCapability = keyof typeof TFE_CAPABILITIES;

export const tfeCan = (principal: Principal, org: OrganizationAccess, capability: TfeCapability) => hasPermission(principal, org, TFE_CAPABILITIES[capability]);

export function requireTfe(principal: Principal, org: OrganizationAccess, capability: TfeCapability, action: string): void {
  if (!tfeCan(principal, org, capability)) throw new Forbidden(`${action} needs the ${TFE_CAPABILITIES[capability]} permission`);
}

/**
 * Confirming or discarding a CLI run: whoever may approve its job (the approval team, admins), and
 * whoever may queue applies (they could have queued it with -auto-approve).
 */
export const canConfirmRun = (principal: Principal, org: OrganizationAccess, approvalTeam: string | null | undefined) =>
  tfeCan(principal, org, 'queueApply') || canApprove(principal, approvalTeam);

export const canCancelRun = (principal: Principal, org: OrganizationAccess, approvalTeam: string | null | undefined) => canCancel(principal, org, approvalTeam);
